"""Step Functions against behaviour recorded on AWS (tests/conformance/sfn_cases.json).

Each case's definition runs as a real state machine on the sandbox with boto3, after building
what it ``requires`` (a Lambda function from its Python source, a DynamoDB table, a REST API in
front of the function); the result is compared as the case file's README says: placeholders
stand for names, ARNs, timestamps and UUIDs; Lambda causes are compared on errorMessage and
errorType only. Retry intervals run scaled down (``LAB_SANDBOX_SFN_TIME_SCALE``).
Every case runs on two sandboxes: speed paths on, and off (``LAB_SANDBOX_SPEED_PATHS=off``).
"""
from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import WORKFLOW_ROLE_NAME, clients, ensure_workflow_role, wait_for_execution

CASES: list[dict] = json.loads((Path(__file__).parent / "sfn_cases.json").read_text())["cases"]
REGION = "us-east-1"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/{WORKFLOW_ROLE_NAME}"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
# Values AWS's recorder masked, and what each one must look like here.
SHAPE_PLACEHOLDERS = {"start-time": TIMESTAMP, "entered-time": TIMESTAMP, "generated-uuid": UUID4}


def case_id(case: dict) -> str:
    return f"{case['id']:02d}-{case['name']}"


# --- what a case needs ----------------------------------------------------------------------------

# Every case runs twice: on the sandbox as it ships, and on one with its speed paths off, so a
# speed path can never be the reason a case passes (or a fix the reason it fails).
@pytest.fixture(scope="module", params=["speed-paths-on", "speed-paths-off"])
def sandbox(request, sandbox) -> str:
    return sandbox if request.param == "speed-paths-on" else request.getfixturevalue("sandbox_without_speed_paths")


@pytest.fixture(scope="module")
def aws(sandbox):
    return clients(sandbox)


@pytest.fixture(scope="module")
def role(aws) -> str:
    return ensure_workflow_role(aws)


@pytest.fixture(scope="module")
def lambda_runs_code(aws, role) -> bool:
    """True once the sandbox's Lambda runtime runs handler code (moto alone answers a canned text)."""
    arn = create_function(aws, "def handler(event, context):\n    return {'ran': event['n'] + 1}\n",
                          "handler.handler")
    answer = aws("lambda").invoke(FunctionName=arn, Payload=b'{"n": 41}')
    try:
        return json.loads(answer["Payload"].read()) == {"ran": 42}
    except ValueError:
        return False


def create_function(aws, source: str, handler: str) -> str:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(handler.split(".")[0] + ".py", source)
    return aws("lambda").create_function(
        FunctionName=f"sfn-case-{uuid.uuid4().hex[:10]}", Runtime="python3.12", Role=ROLE,
        Handler=handler, Code={"ZipFile": archive.getvalue()}, Timeout=10,
    )["FunctionArn"]


def create_table(aws) -> str:
    name = f"sfn-case-{uuid.uuid4().hex[:10]}"
    aws("dynamodb").create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    return name


def create_rest_api(aws, sandbox: str, function_arn: str, stage: str) -> str:
    """/id_func POST → AWS (non-proxy) Lambda integration, no templates, 200 responses."""
    apigateway = aws("apigateway")
    api_id = apigateway.create_rest_api(name=f"sfn-case-{uuid.uuid4().hex[:6]}")["id"]
    root = next(r["id"] for r in apigateway.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
    resource = apigateway.create_resource(restApiId=api_id, parentId=root, pathPart="id_func")["id"]
    apigateway.put_method(restApiId=api_id, resourceId=resource, httpMethod="POST", authorizationType="NONE")
    apigateway.put_integration(
        restApiId=api_id, resourceId=resource, httpMethod="POST", type="AWS", integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations")
    apigateway.put_method_response(restApiId=api_id, resourceId=resource, httpMethod="POST", statusCode="200")
    apigateway.put_integration_response(restApiId=api_id, resourceId=resource, httpMethod="POST",
                                        statusCode="200", selectionPattern="")
    apigateway.create_deployment(restApiId=api_id, stageName=stage)
    probe = requests.post(f"{sandbox}/restapis/{api_id}/{stage}/_user_request_/id_func", json={}, timeout=10)
    if probe.status_code == 501:
        pytest.skip("the sandbox's API Gateway data plane answers 501 (not built yet)")
    return api_id


def prepare(case: dict, aws, sandbox: str, request: pytest.FixtureRequest) -> tuple[dict, Any, dict]:
    """Build what the case requires; return its definition, input and substitutions."""
    requires = case.get("requires", {})
    definition_text, input_value, substitutions = json.dumps(case["definition"]), case["input"], {}
    if "lambda_python" in requires:
        if not request.getfixturevalue("lambda_runs_code"):
            pytest.skip("needs the sandbox's Lambda runtime to run handler code (not available yet)")
        handler = requires.get("lambda_handler", "handler.handler")
        function_arn = create_function(aws, requires["lambda_python"], handler)
        definition_text = definition_text.replace("<lambda_function_arn>", function_arn)
        if "rest_api" in requires:
            api_id = create_rest_api(aws, sandbox, function_arn, input_value["Stage"])
            input_value = {**input_value, "ApiEndpoint": f"{api_id}.execute-api.{REGION}.amazonaws.com"}
    if "dynamodb_table" in requires:
        table = create_table(aws)
        input_value = {**input_value, "TableName": table}
        substitutions["table-name"] = table
    return json.loads(definition_text), input_value, substitutions


# --- comparing as the README says ----------------------------------------------------------------

def substitute(expected: Any, names: dict[str, str]) -> Any:
    """Replace the recorder's placeholders with this run's values."""
    if isinstance(expected, dict):
        return {key: substitute(value, names) for key, value in expected.items()}
    if isinstance(expected, list):
        return [substitute(value, names) for value in expected]
    if isinstance(expected, str):
        if expected in names:
            return names[expected]
        for placeholder, value in names.items():
            if placeholder.startswith(("<", "arn:")):
                expected = expected.replace(placeholder, value)
    return expected


def assert_matches(expected: Any, actual: Any, where: str = "$") -> None:
    if isinstance(expected, str) and expected in SHAPE_PLACEHOLDERS:
        shape = SHAPE_PLACEHOLDERS[expected]  # a pattern a text must match, or a test of any value
        assert shape(actual) if callable(shape) else isinstance(actual, str) and shape.match(actual), \
            f"{where}: {actual!r}"
    elif isinstance(expected, dict):
        assert isinstance(actual, dict) and expected.keys() == actual.keys(), f"{where}: {actual!r}"
        for key in expected:
            assert_matches(expected[key], actual[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(expected) == len(actual), f"{where}: {actual!r}"
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            assert_matches(want, got, f"{where}[{index}]")
    else:
        assert expected == actual and type(expected) is type(actual), f"{where}: {actual!r} != {expected!r}"


def without_sdk_metadata(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_sdk_metadata(v) for k, v in value.items()
                if k not in ("SdkHttpMetadata", "SdkResponseMetadata")}
    if isinstance(value, list):
        return [without_sdk_metadata(v) for v in value]
    return value


def assert_lambda_cause(expected: dict, cause: str) -> None:
    actual = json.loads(cause)
    assert {k: actual.get(k) for k in ("errorMessage", "errorType")} == \
           {k: expected[k] for k in ("errorMessage", "errorType")}


def assert_output(case: dict, expected: Any, actual: Any) -> None:
    compare = case.get("compare", "")
    if compare.startswith("ignore $..SdkHttpMetadata"):
        expected, actual = without_sdk_metadata(expected), without_sdk_metadata(actual)
    if compare.startswith("ResponseBody, StatusCode, StatusText exact"):
        assert {k: actual[k] for k in ("ResponseBody", "StatusCode", "StatusText")} == \
               {k: expected[k] for k in ("ResponseBody", "StatusCode", "StatusText")}
        assert actual["Headers"]["Content-Type"] == expected["Headers"]["Content-Type"]
        return
    if compare.startswith("FunctionResult matches"):
        assert UUID4.match(actual["FunctionResult"]), actual
        return
    if compare.startswith("Error exact; Cause: json.loads"):
        assert actual["Error"] == expected["Error"]
        assert_lambda_cause(json.loads(expected["Cause"]), actual["Cause"])
        return
    assert_matches(expected, actual)


# --- the cases -----------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_case(case: dict, aws, sandbox, role, request) -> None:
    definition, input_value, names = prepare(case, aws, sandbox, request)
    sfn = aws("stepfunctions")
    machine_name = f"case{case['id']}-{uuid.uuid4().hex[:8]}"
    machine_arn = sfn.create_state_machine(name=machine_name, definition=json.dumps(definition),
                                           roleArn=ROLE)["stateMachineArn"]
    execution_name = f"run-{uuid.uuid4().hex[:8]}"
    execution_arn = sfn.start_execution(stateMachineArn=machine_arn, name=execution_name,
                                        input=json.dumps(input_value))["executionArn"]
    answer = wait_for_execution(sfn, execution_arn)
    history = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]

    names.update({
        "<ExecArnPart_0idx>": execution_name, "<ArnPart_0idx>": machine_name, "snf_role_arn": ROLE,
        "arn:<partition>:states:<region>:111111111111:": f"arn:aws:states:{REGION}:{ACCOUNT}:",
    })
    assert answer["status"] == case["expected_status"], (answer.get("error"), answer.get("cause"))
    if "expected_output" in case:
        assert_output(case, substitute(case["expected_output"], names), json.loads(answer["output"]))
    if "expected_error" in case:
        assert answer["error"] == case["expected_error"]
    if "expected_cause" in case:
        assert answer["cause"] == substitute(case["expected_cause"], names)
    if "expected_cause_json" in case:
        expected_cause = case["expected_cause_json"]
        if "errorType" in expected_cause:
            assert_lambda_cause(expected_cause, answer["cause"])
        else:
            assert json.loads(answer["cause"]) == expected_cause

    entered = [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e]
    if "Parallel" in json.dumps(definition):  # branches run concurrently: order is not fixed
        assert Counter(entered) == Counter(case["expected_states_entered"])
    else:
        assert entered == case["expected_states_entered"]
    if "count LambdaFunctionScheduled events == 3" in case.get("compare", ""):
        assert [e["type"] for e in history].count("LambdaFunctionScheduled") == 3
