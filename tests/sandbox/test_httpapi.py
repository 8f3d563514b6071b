"""HTTP APIs (API Gateway v2) on the sandbox's own data plane (aws_sandbox/httpapi.py): routes,
the Lambda payload format 2.0 both ways, and the Step Functions first-class integration.

Expected shapes follow the API Gateway developer guide ("Working with AWS Lambda proxy integrations
for HTTP APIs", payload format 2.0; "Working with AWS service integrations for HTTP APIs")."""
from __future__ import annotations

import json
import uuid

import pytest
import requests

from tests.sandbox.test_apigateway_support import python_lambda

ECHO = ("import json\n"
        "def handler(event, context):\n"
        "    q = (event.get('queryStringParameters') or {}).get('shape')\n"
        "    if q == 'plain':\n"
        "        return {'just': 'data'}\n"
        "    if q == 'raise':\n"
        "        raise ValueError('boom')\n"
        "    return {'statusCode': 201, 'headers': {'X-Route': event['routeKey']}, 'cookies': ['a=1', 'b=2'],\n"
        "            'body': json.dumps(event)}\n")


@pytest.fixture(scope="module")
def http_api(aws, sandbox):
    v2 = aws("apigatewayv2")
    function = python_lambda(aws, ECHO)
    api = v2.create_api(Name=f"http-{uuid.uuid4().hex[:6]}", ProtocolType="HTTP")
    lam = v2.create_integration(ApiId=api["ApiId"], IntegrationType="AWS_PROXY", IntegrationUri=function,
                                PayloadFormatVersion="2.0")
    for key in ("GET /things/{id}", "ANY /things/{proxy+}", "GET /things/special", "POST /echo"):
        v2.create_route(ApiId=api["ApiId"], RouteKey=key, Target=f"integrations/{lam['IntegrationId']}")
    machine = aws("stepfunctions").create_state_machine(
        name=f"http-{uuid.uuid4().hex[:6]}", roleArn="arn:aws:iam::123456789012:role/sfn", type="EXPRESS",
        definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}))["stateMachineArn"]
    for subtype, key in (("StepFunctions-StartSyncExecution", "POST /sync"),
                         ("StepFunctions-StartExecution", "POST /start")):
        sfn = v2.create_integration(ApiId=api["ApiId"], IntegrationType="AWS_PROXY", IntegrationSubtype=subtype,
                                    PayloadFormatVersion="1.0", CredentialsArn="arn:aws:iam::123456789012:role/api",
                                    RequestParameters={"StateMachineArn": machine, "Input": "$request.body"})
        v2.create_route(ApiId=api["ApiId"], RouteKey=key, Target=f"integrations/{sfn['IntegrationId']}")
    v2.create_stage(ApiId=api["ApiId"], StageName="prod", AutoDeploy=True, StageVariables={"env": "test"})
    return f"{sandbox}/_aws/execute-api/{api['ApiId']}/prod"


def test_the_payload_2_0_event(http_api):
    answer = requests.get(f"{http_api}/things/42?a=1&a=2&b=x", headers={"X-Demo": "v", "Cookie": "c1=x; c2=y"},
                          timeout=30)
    assert answer.status_code == 201 and answer.headers["X-Route"] == "GET /things/{id}"
    assert answer.raw.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    event = answer.json()
    assert event["version"] == "2.0" and event["routeKey"] == "GET /things/{id}"
    assert event["rawPath"] == "/things/42" and event["rawQueryString"] == "a=1&a=2&b=x"
    assert event["queryStringParameters"] == {"a": "1,2", "b": "x"}  # repeated values joined by commas
    assert event["pathParameters"] == {"id": "42"} and event["stageVariables"] == {"env": "test"}
    assert event["headers"]["x-demo"] == "v" and all(k == k.lower() for k in event["headers"])
    assert event["cookies"] == ["c1=x", "c2=y"] and "cookie" not in event["headers"]
    assert event["requestContext"]["http"]["method"] == "GET" and event["requestContext"]["stage"] == "prod"
    assert "body" not in event and event["isBase64Encoded"] is False


def test_the_most_specific_route_wins(http_api):
    assert requests.get(f"{http_api}/things/special", timeout=30).headers["X-Route"] == "GET /things/special"
    assert requests.get(f"{http_api}/things/a/b", timeout=30).json()["pathParameters"] == {"proxy": "a/b"}
    assert requests.delete(f"{http_api}/things/42", timeout=30).headers["X-Route"] == "ANY /things/{proxy+}"


def test_a_post_body_and_the_answer_rules(http_api):
    event = requests.post(f"{http_api}/echo", data="hello", timeout=30).json()
    assert event["body"] == "hello"
    plain = requests.get(f"{http_api}/things/1?shape=plain", timeout=30)
    assert (plain.status_code, plain.json()) == (200, {"just": "data"})  # no statusCode: the body of a 200
    failed = requests.get(f"{http_api}/things/1?shape=raise", timeout=30)
    assert (failed.status_code, failed.json()) == (500, {"message": "Internal Server Error"})


def test_no_route_and_no_stage_are_404(http_api, sandbox):
    assert requests.get(f"{http_api}/nowhere", timeout=30).json() == {"message": "Not Found"}
    assert requests.get(http_api.replace("/prod", "/nostage") + "/things/1", timeout=30).status_code == 404


def test_the_step_functions_integrations(http_api):
    synced = requests.post(f"{http_api}/sync", json={"quote": 1}, timeout=30)
    assert synced.status_code == 200 and synced.json()["status"] == "SUCCEEDED"
    assert json.loads(synced.json()["output"]) == {"quote": 1}
    started = requests.post(f"{http_api}/start", json={"n": 1}, timeout=30)
    assert started.status_code == 200 and ":express:" in started.json()["executionArn"]
