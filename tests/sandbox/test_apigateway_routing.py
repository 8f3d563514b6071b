"""Data plane: routing to deployed stages, 403s, MOCK, templates, passthrough, gateway responses."""
from __future__ import annotations

import json

import pytest
import requests

from tests.sandbox.test_apigateway_support import RestApi


@pytest.fixture(scope="module", autouse=True)
def data_plane_loaded(sandbox):
    """Load the data plane (and its deployment snapshots) before any API here is deployed.

    Until moto_patches calls ``apigateway.install()`` at startup, the first data-plane request does."""
    requests.get(f"{sandbox}/_aws/execute-api/none/none/", timeout=10)


@pytest.fixture(scope="module")
def api(aws, sandbox):
    api = RestApi(aws, sandbox)
    api.mock("/", "GET", body='{"where": "root"}')
    api.mock("/orders", "GET", body='{"where": "orders"}')
    api.mock("/orders/{orderId}", "GET", body='{"id": "$context.resourcePath", "p": "$input.params(\'orderId\')"}')
    api.mock("/orders/special", "GET", body='{"where": "special"}')
    api.mock("/files/{proxy+}", "ANY", body='{"proxy": "$input.params(\'proxy\')", "m": "$context.httpMethod"}')
    api.deploy("test")
    return api


def test_routes_literal_param_and_greedy_resources(api):
    assert api.call("GET", "/").json() == {"where": "root"}
    assert api.call("GET", "/orders").json() == {"where": "orders"}
    assert api.call("GET", "/orders/special").json() == {"where": "special"}  # literal beats {orderId}
    assert api.call("GET", "/orders/o-42").json() == {"id": "/orders/{orderId}", "p": "o-42"}
    assert api.call("DELETE", "/files/a/b/c.txt").json() == {"proxy": "a/b/c.txt", "m": "DELETE"}


def test_all_three_invoke_url_forms_reach_the_stage(api, sandbox, sandbox_port):
    assert requests.get(f"{sandbox}/restapis/{api.id}/test/_user_request_/orders", timeout=10).json() == {
        "where": "orders"}
    by_host = requests.get(f"http://127.0.0.1:{sandbox_port}/test/orders", timeout=10,
                           headers={"Host": f"{api.id}.execute-api.localhost.localstack.cloud:{sandbox_port}"})
    assert by_host.json() == {"where": "orders"}


@pytest.mark.parametrize("verb, path", [("GET", "/nowhere"), ("POST", "/orders"), ("GET", "/files")])
def test_unknown_path_or_method_is_403_missing_authentication_token(api, verb, path):
    response = api.call(verb, path)
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}
    assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_unknown_stage_is_403_and_unknown_api_is_404(api, sandbox):
    assert api.call("GET", "/orders", stage="nostage").status_code == 403
    response = requests.get(f"{sandbox}/_aws/execute-api/doesnotexist/test/orders", timeout=10)
    assert response.status_code == 404


def test_an_api_change_is_served_only_once_deployed(aws, sandbox):
    api = RestApi(aws, sandbox)
    api.mock("/v", "GET", body='{"version": 1}')
    api.deploy("test")
    api.client.put_integration_response(restApiId=api.id, resourceId=api.resource("/v"), httpMethod="GET",
                                        statusCode="200", responseTemplates={"application/json": '{"version": 2}'})
    api.mock("/new", "GET")
    assert api.call("GET", "/v").json() == {"version": 1}
    assert api.call("GET", "/new").status_code == 403
    api.deploy("test")
    assert api.call("GET", "/v").json() == {"version": 2}
    assert api.call("GET", "/new").status_code == 200


def test_redeploying_keeps_the_stage_settings(aws, sandbox):
    api = RestApi(aws, sandbox)
    api.mock("/v", "GET", body='{"color": "$stageVariables.color"}')
    api.deploy("test", variables={"color": "blue"})
    api.client.update_stage(restApiId=api.id, stageName="test",
                            patchOperations=[{"op": "replace", "path": "/variables/size", "value": "L"}])
    api.deploy("test")
    stage = api.client.get_stage(restApiId=api.id, stageName="test")
    assert stage["variables"] == {"color": "blue", "size": "L"}
    assert api.call("GET", "/v").json() == {"color": "blue"}


def test_mock_status_comes_from_the_request_template_and_selects_the_response(aws, sandbox):
    api = RestApi(aws, sandbox)
    api.method("/m", "POST", integration={
        "type": "MOCK",
        "requestTemplates": {"application/json": '{"statusCode": $input.json(\'$.code\')}'}},
        responses=[{"statusCode": "200", "responseTemplates": {"application/json": '{"fine": true}'}},
                   {"statusCode": "404", "selectionPattern": "404",
                    "responseTemplates": {"application/json": '{"missing": "$context.requestId"}'}}])
    api.deploy()
    assert api.call("POST", "/m", json={"code": 200}).json() == {"fine": True}
    missing = api.call("POST", "/m", json={"code": 404})
    assert missing.status_code == 404
    assert missing.json()["missing"] == missing.headers["x-amzn-RequestId"]


def test_mock_template_with_unquoted_member_names_is_read_as_aws_reads_it(aws, sandbox):
    # AWS-recorded: LocalStack's test_apigateway_integrations.py::test_integration_mock_with_path_param
    # (CDK's CORS template `{statusCode: 200}`, not JSON, answered 200 with an empty body).
    api = RestApi(aws, sandbox)
    resource = api.resource("/{testPath}")
    api.client.put_method(restApiId=api.id, resourceId=resource, httpMethod="GET", authorizationType="none",
                          requestParameters={"method.request.path.testPath": True})
    api.client.put_method_response(restApiId=api.id, resourceId=resource, httpMethod="GET", statusCode="200")
    api.client.put_integration(
        restApiId=api.id, resourceId=resource, httpMethod="GET", integrationHttpMethod="POST", type="MOCK",
        requestParameters={"integration.request.path.integrationPath": "method.request.path.testPath"},
        requestTemplates={"application/json": "{statusCode: 200}"})
    api.client.put_integration_response(restApiId=api.id, resourceId=resource, httpMethod="GET", statusCode="200",
                                        selectionPattern="2\\d{2}", responseTemplates={})
    api.deploy("dev")
    response = api.call("GET", "/test-path", stage="dev")
    assert (response.status_code, response.content) == (200, b"")


def test_context_variables_in_templates(aws, sandbox):
    api = RestApi(aws, sandbox)
    template = json.dumps({k: f"$context.{k}" for k in (
        "apiId", "stage", "httpMethod", "resourcePath", "resourceId", "path", "accountId", "requestTime",
        "requestTimeEpoch", "requestId", "extendedRequestId", "protocol", "domainName")}
                          | {"ip": "$context.identity.sourceIp", "ua": "$context.identity.userAgent"})
    api.mock("/ctx/{id}", "GET", body=template)
    api.deploy("dev")
    answer = api.call("GET", "/ctx/7", stage="dev", headers={"User-Agent": "tester/1"}).json()
    assert answer["apiId"] == api.id and answer["stage"] == "dev" and answer["httpMethod"] == "GET"
    assert answer["resourcePath"] == "/ctx/{id}" and answer["resourceId"] == api.resource("/ctx/{id}")
    assert answer["path"] == "/dev/ctx/7" and answer["accountId"] == "123456789012"
    assert answer["ip"] == "127.0.0.1" and answer["ua"] == "tester/1"
    assert answer["protocol"].startswith("HTTP/1.")
    import re
    assert re.fullmatch(r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000", answer["requestTime"])
    assert answer["requestTimeEpoch"].isdigit() and len(answer["requestTimeEpoch"]) == 13


def _echo_api(aws, sandbox, passthrough: str, templates: dict | None) -> RestApi:
    api = RestApi(aws, sandbox)
    integration = {"type": "MOCK", "passthroughBehavior": passthrough}
    if templates is not None:
        integration["requestTemplates"] = templates
    api.method("/echo", "POST", integration=integration,
               responses=[{"statusCode": "200", "responseTemplates": {"application/json": '{"ok": true}'}}])
    api.deploy()
    return api


@pytest.mark.parametrize("passthrough, templates, content_type, status", [
    ("WHEN_NO_MATCH", {"application/json": '{"statusCode": 200}'}, "text/plain", 200),
    ("WHEN_NO_TEMPLATES", {"application/json": '{"statusCode": 200}'}, "text/plain", 415),
    ("WHEN_NO_TEMPLATES", None, "text/plain", 200),
    ("NEVER", {"application/json": '{"statusCode": 200}'}, "text/plain", 415),
    ("NEVER", {"application/json": '{"statusCode": 200}'}, None, 200),  # absent: application/json
])
def test_passthrough_behavior(aws, sandbox, passthrough, templates, content_type, status):
    api = _echo_api(aws, sandbox, passthrough, templates)
    headers = {"Content-Type": content_type} if content_type else {}
    response = api.call("POST", "/echo", data=b'{"statusCode": 200}', headers=headers)
    assert response.status_code == status
    if status == 415:
        assert response.json() == {"message": "Unsupported Media Type"}


def test_customised_gateway_responses(aws, sandbox):
    api = RestApi(aws, sandbox)
    api.method("/strict", "POST", integration={"type": "MOCK", "passthroughBehavior": "NEVER",
                                               "requestTemplates": {"application/json": '{"statusCode": 200}'}})
    api.client.put_gateway_response(
        restApiId=api.id, responseType="MISSING_AUTHENTICATION_TOKEN", statusCode="404",
        responseParameters={"gatewayresponse.header.X-Why": "'no such route'"},
        responseTemplates={"application/json":
                           '{"error": $context.error.messageString, "t": "$context.error.responseType"}'})
    api.client.put_gateway_response(restApiId=api.id, responseType="DEFAULT_4XX",
                                    responseTemplates={"application/json": '{"custom4xx": "$context.error.message"}'})
    api.deploy()
    response = api.call("GET", "/nope")
    assert response.status_code == 404
    assert response.headers["X-Why"] == "no such route"
    assert response.json() == {"error": "Missing Authentication Token", "t": "MISSING_AUTHENTICATION_TOKEN"}
    unsupported = api.call("POST", "/strict", data="text", headers={"Content-Type": "text/plain"})
    assert unsupported.status_code == 415  # DEFAULT_4XX set no status: the type's own stays
    assert unsupported.json() == {"custom4xx": "Unsupported Media Type"}
