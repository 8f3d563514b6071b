"""API Gateway mapping templates against behaviour recorded on AWS (tests/conformance/vtl_cases.json).

``render`` cases go straight through ``vtl.render``. ``pipeline`` and ``e2e`` cases are built as real
REST APIs on the running sandbox with boto3 (MOCK, HTTP to a local echo server, Lambda echo,
DynamoDB Query, Step Functions StartExecution) and invoked over HTTP.
"""
from __future__ import annotations

import io
import json
import threading
import uuid
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from aws_sandbox.apigateway import vtl
from aws_sandbox.apigateway.vtl import TemplateRequest, aws_context, render

vtl.install()  # Velocity as API Gateway runs it, as the server installs it

CASES: list[dict] = json.loads((Path(__file__).parent / "vtl_cases.json").read_text())["cases"]
RENDER_CASES = [c for c in CASES if c["kind"] == "render"]
HTTP_CASES = [c for c in CASES if c["kind"] in ("pipeline", "e2e")]
REGION = "us-east-1"
ACCOUNT = "123456789012"


def case_id(case: dict) -> str:
    return f"{case['id']:02d}-{case['name']}"


# --- comparing as the case file says ------------------------------------------------------------

def assert_conforms(case: dict, actual: str) -> None:
    compare = case["compare"]
    if compare == "exact":
        assert actual == case["expected"]
    elif compare == "json":
        assert json.loads(actual.strip()) == case["expected"]
    elif compare == "strip_then_prefix":
        assert actual.strip().startswith(case["expected_prefix"]), actual
    elif compare == "json_keys":
        assert sorted(json.loads(actual)) == sorted(case["expected_keys"])
    elif compare == "json_keys_and_static_values":
        parsed = json.loads(actual)
        assert_same_keys(parsed, case["expected"], "")
        for dotted, value in case["static_values"].items():
            node: Any = parsed
            for part in dotted.split("."):
                node = node[part]
            assert node == value, dotted
    else:
        raise AssertionError(f"unknown compare mode {compare!r}")


def assert_same_keys(actual: Any, expected: Any, where: str) -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        assert sorted(actual) == sorted(expected), where or "top level"
        for key, value in expected.items():
            assert_same_keys(actual[key], value, f"{where}.{key}")


# --- render cases -------------------------------------------------------------------------------

def template_request(case: dict) -> TemplateRequest:
    request = case["request"]
    stage = request.get("stage", "dev")
    headers = request.get("headers") or {}
    if case["phase"] == "integration_response":
        body = case["integration_response_body"]
    else:
        body = request.get("body") or ""
    context = aws_context(
        api_id="a1b2c3d4e5", stage=stage, http_method=request["method"],
        resource_path=request["path"], resource_id="r3s0rc", path=f"/{stage}{request['path']}",
        request_id=str(uuid.uuid4()), extended_request_id="Ab1Cd2Ef3Gh=", account_id="111111111111",
        deployment_id="d3pl0y", domain_name="a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
        source_ip="127.0.0.1", user_agent=headers.get("User-Agent"))
    return TemplateRequest(body=body, path_params=request.get("path_params") or {},
                           query=request.get("query") or {}, headers=headers, context=context,
                           stage_variables={})


@pytest.mark.parametrize("case", RENDER_CASES, ids=case_id)
def test_render_case(case: dict) -> None:
    request = template_request(case)
    assert_conforms(case, render(case["template"], request))
    if "expected_status" in case:
        assert request.context["responseOverride"]["status"] == case["expected_status"]


# --- pipeline and e2e cases: real REST APIs on the sandbox --------------------------------------

class EchoHandler(BaseHTTPRequestHandler):
    """The recorded HTTP integration: answers with exactly the body it received."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def echo_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def invoke_url(sandbox: str, api_id: str, stage: str, path: str) -> str:
    return f"{sandbox}/_aws/execute-api/{api_id}/{stage}{'' if path == '/' else path}"


class RestApi:
    """One REST API with one method, built the way the recorded tests built theirs."""

    def __init__(self, apigw, name: str) -> None:
        self.apigw = apigw
        self.id = apigw.create_rest_api(name=name)["id"]
        self.root = next(r["id"] for r in apigw.get_resources(restApiId=self.id)["items"]
                         if r["path"] == "/")

    def resource(self, path: str) -> str:
        parent = self.root
        for part in [p for p in path.split("/") if p]:
            parent = self.apigw.create_resource(restApiId=self.id, parentId=parent,
                                                pathPart=part)["id"]
        return parent

    def method(self, path: str, http_method: str, integration: dict, *,
               request_parameters: dict | None = None, selection_pattern: str = "",
               response_templates: dict | None = None) -> None:
        resource_id = self.resource(path)
        self.apigw.put_method(restApiId=self.id, resourceId=resource_id, httpMethod=http_method,
                              authorizationType="NONE",
                              requestParameters=request_parameters or {})
        self.apigw.put_integration(restApiId=self.id, resourceId=resource_id,
                                   httpMethod=http_method, **integration)
        self.apigw.put_method_response(restApiId=self.id, resourceId=resource_id,
                                       httpMethod=http_method, statusCode="200")
        extra = {} if response_templates is None else {"responseTemplates": response_templates}
        self.apigw.put_integration_response(restApiId=self.id, resourceId=resource_id,
                                            httpMethod=http_method, statusCode="200",
                                            selectionPattern=selection_pattern, **extra)

    def deploy(self, stage: str = "test") -> str:
        self.apigw.create_deployment(restApiId=self.id, stageName=stage)
        return stage


@pytest.fixture(scope="module")
def dataplane(aws, sandbox) -> None:
    """Skip the HTTP cases while the data plane is still the placeholder that answers 501."""
    api = RestApi(aws("apigateway"), f"vtl-probe-{uuid.uuid4().hex[:8]}")
    api.method("/", "GET", {"type": "MOCK", "requestTemplates": {
        "application/json": '{"statusCode": 200}'}}, response_templates={"application/json": "ok"})
    stage = api.deploy()
    response = requests.get(invoke_url(sandbox, api.id, stage, "/"), timeout=10)
    if response.status_code == 501:
        pytest.skip(f"API Gateway data plane not implemented yet (invoke answers 501: "
                    f"{response.text})")


@pytest.fixture(scope="module")
def role_arn(aws) -> str:
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"Service": ["apigateway.amazonaws.com", "lambda.amazonaws.com",
                                       "states.amazonaws.com"]}}]}
    return aws("iam").create_role(RoleName=f"vtl-conformance-{uuid.uuid4().hex[:8]}",
                                  AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]


def lambda_function(aws, role_arn: str, code: str) -> str:
    """A Python Lambda running ``code``; skips when the sandbox cannot run Lambda code yet."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("handler.py", code)
        zf.writestr("probe.py", PROBE)
    client = aws("lambda")
    name = f"vtl-echo-{uuid.uuid4().hex[:8]}"
    arn = client.create_function(FunctionName=name, Runtime="python3.11", Role=role_arn,
                                 Handler="probe.handler", Code={"ZipFile": archive.getvalue()},
                                 Publish=False)["FunctionArn"]
    # moto without a runtime answers an invoke with its payload; a computed answer proves the code ran.
    probe = client.invoke(FunctionName=arn, Payload=b'{"a": 2, "b": 3}')["Payload"].read()
    if json.loads(probe or b"null") != {"sum": 5}:
        pytest.skip(f"sandbox Lambda runtime does not run function code yet (probe answered "
                    f"{probe!r})")
    client.update_function_configuration(FunctionName=name, Handler="handler.handler")
    return arn


PROBE = "def handler(event, context):\n    return {'sum': event['a'] + event['b']}\n"
ECHO_EVENT = "def handler(event, context):\n    return event\n"


def build_api(case: dict, aws, role_arn: str, echo_url: str) -> tuple[RestApi, str]:
    """Create the REST API a case describes; returns it and the request path to invoke."""
    api = RestApi(aws("apigateway"), f"vtl-{case['id']}-{uuid.uuid4().hex[:6]}")
    integration = case["integration"]
    request = case["request"]
    templates = ({"application/json": case["request_template"]}
                 if case.get("request_template") is not None else {})
    response_templates = ({"application/json": case["response_template"]}
                          if case.get("response_template") is not None else None)
    kind = integration["type"]
    if kind == "MOCK":
        api.method(integration.get("resource", request["path"]), request["method"],
                   {"type": "MOCK", "requestTemplates": templates},
                   request_parameters=integration.get("method_request_parameters"),
                   selection_pattern=integration["integration_response_selectionPattern"],
                   response_templates=response_templates)
    elif kind == "HTTP":
        api.method(request["path"], request["method"],
                   {"type": "HTTP", "integrationHttpMethod": integration["httpMethod"],
                    "uri": echo_url, "requestTemplates": templates},
                   response_templates=response_templates)
    elif "lambda:path" in integration["uri"]:
        function_arn = lambda_function(aws, role_arn, integration["lambda_handler_python"])
        uri = (f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
               f"{function_arn}/invocations")
        api.method(request["path"], request["method"],
                   {"type": "AWS", "integrationHttpMethod": "POST", "uri": uri,
                    "requestTemplates": templates},
                   request_parameters={"method.request.querystring.param1": False},
                   response_templates=response_templates)
    elif "dynamodb" in integration["uri"]:
        table = f"vtl-{uuid.uuid4().hex[:8]}"
        ddb = aws("dynamodb")
        ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
        for item in case["setup"]["dynamodb_table"]["items"]:
            ddb.put_item(TableName=table, Item=item)
        templates = {k: v.replace("<table_name>", table) for k, v in templates.items()}
        api.method(request["path"], request["method"],
                   {"type": "AWS", "integrationHttpMethod": "POST", "credentials": role_arn,
                    "uri": f"arn:aws:apigateway:{REGION}:dynamodb:action/Query",
                    "requestTemplates": templates},
                   response_templates=response_templates)
    elif "states" in integration["uri"]:
        function_arn = lambda_function(aws, role_arn, ECHO_EVENT)
        definition = json.loads(json.dumps(case["setup"]["state_machine"]["definition"])
                                .replace("<echo lambda arn>", function_arn))
        machine_arn = aws("stepfunctions").create_state_machine(
            name=f"vtl-{uuid.uuid4().hex[:8]}", definition=json.dumps(definition),
            roleArn=role_arn, type=case["setup"]["state_machine"]["type"])["stateMachineArn"]
        templates = {k: v.replace("<state_machine_arn>", machine_arn)
                     for k, v in templates.items()}
        api.method(request["path"], request["method"],
                   {"type": "AWS", "integrationHttpMethod": "POST", "credentials": role_arn,
                    "uri": f"arn:aws:apigateway:{REGION}:states:action/StartExecution",
                    "requestTemplates": templates},
                   response_templates=integration["integration_response"]["responseTemplates"])
    else:
        raise AssertionError(f"case {case['name']} has an integration this test cannot build")
    return api, request.get("raw_url_suffix") or request["path"]


@pytest.mark.parametrize("case", HTTP_CASES, ids=case_id)
def test_http_case(case: dict, dataplane, aws, sandbox, role_arn, echo_url) -> None:
    api, path = build_api(case, aws, role_arn, echo_url)
    stage = api.deploy()
    request = case["request"]
    query = None if "raw_url_suffix" in request else request.get("query")
    body = request.get("body")
    response = requests.request(request["method"], invoke_url(sandbox, api.id, stage, path),
                                params=query, headers=request.get("headers") or {},
                                data=body.encode() if body is not None else None, timeout=30)
    assert response.status_code == case.get("expected_status", 200), response.text
    for name, value in (case.get("expected_headers") or {}).items():
        assert response.headers.get(name, "").split(";")[0] == value
    assert_conforms(case, response.text)
