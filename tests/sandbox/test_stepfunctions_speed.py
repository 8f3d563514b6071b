"""Step Functions' fast paths answer exactly as the paths they replace.

The sandbox answers DynamoDB and Lambda Task calls without botocore's HTTP machinery, evaluates
Task states without a thread when there is no TimeoutSeconds to enforce, and answers
StartExecution/DescribeExecution before moto's dispatcher. Each is checked here against what a
user sees (a real sandbox, boto3), and against the path it replaces (in a separate process,
where both paths can be called side by side on moto's backends).
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
import time
import uuid
import zipfile
from pathlib import Path

import pytest
from tests.conftest import wait_for_execution

from tests.conformance.test_sfn_conformance import without_sdk_metadata

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
SLEEPER = ("import time\ndef handler(event, context):\n    time.sleep(event['seconds'])\n"
           "    return {'slept': event['seconds']}\n")
FAILER = "def handler(event, context):\n    raise ValueError('no stock for ' + event['sku'])\n"


@pytest.fixture(scope="module")
def sfn(aws):
    return aws("stepfunctions")


@pytest.fixture(scope="module")
def role(workflow_role) -> str:
    return workflow_role


def function(aws, role: str, source: str) -> str:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("handler.py", source)
    return aws("lambda").create_function(
        FunctionName=f"speed-{uuid.uuid4().hex[:10]}", Runtime="python3.12", Role=role,
        Handler="handler.handler", Code={"ZipFile": archive.getvalue()}, Timeout=10)["FunctionArn"]


def table(aws) -> str:
    name = f"speed-{uuid.uuid4().hex[:10]}"
    aws("dynamodb").create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                                 KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                 AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    return name


def run(sfn, role: str, definition: dict, execution_input: dict | None = None) -> tuple[dict, list[dict]]:
    arn = sfn.create_state_machine(name=f"speed-{uuid.uuid4().hex[:10]}", roleArn=role,
                                   definition=json.dumps(definition))["stateMachineArn"]
    execution_arn = sfn.start_execution(stateMachineArn=arn, input=json.dumps(execution_input or {}))["executionArn"]
    answer = wait_for_execution(sfn, execution_arn)
    return answer, sfn.get_execution_history(executionArn=execution_arn)["events"]


# -- Task states in the caller's thread: TimeoutSeconds still enforced ------------------------
def test_timeout_seconds_fails_a_slow_task_with_states_timeout(sfn, aws, role):
    sleeper = function(aws, role, SLEEPER)
    task = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": sleeper, "Payload.$": "$"}, "End": True}
    started = time.monotonic()
    answer, events = run(sfn, role, {"StartAt": "Slow", "States": {"Slow": {**task, "TimeoutSeconds": 1}}},
                         {"seconds": 20})
    assert time.monotonic() - started < 15  # failed at 1 s, not when the function returned (20 s)
    assert (answer["status"], answer["error"]) == ("FAILED", "States.Timeout")
    assert "TaskTimedOut" in [event["type"] for event in events]
    scheduled = next(e for e in events if e["type"] == "TaskScheduled")["taskScheduledEventDetails"]
    assert scheduled["timeoutInSeconds"] == 1

    # Without TimeoutSeconds there is no limit but the function's own: the same call succeeds.
    answer, _ = run(sfn, role, {"StartAt": "Slow", "States": {"Slow": task}}, {"seconds": 0.3})
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"])["Payload"] == {"slept": 0.3}


def test_timeout_seconds_path_is_enforced_too(sfn, aws, role):
    sleeper = function(aws, role, SLEEPER)
    answer, _ = run(sfn, role, {"StartAt": "Slow", "States": {"Slow": {
        "Type": "Task", "Resource": sleeper, "TimeoutSecondsPath": "$.limit", "End": True}}},
        {"seconds": 3, "limit": 1})
    assert (answer["status"], answer["error"]) == ("FAILED", "States.Timeout")


# -- Lambda and DynamoDB Task results and errors, as a workflow sees them ----------------------
# -- Programs in the caller's thread: a machine's TimeoutSeconds still enforced -----------------
def test_a_machine_timeout_seconds_still_times_the_execution_out(sfn, role):
    # The Wait lasts 1,000 s on AWS (10 s at the tests' time scale); the machine allows 1 s.
    hold = {"Type": "Wait", "Seconds": 1000, "End": True}
    started = time.monotonic()
    answer, _ = run(sfn, role, {"TimeoutSeconds": 1, "StartAt": "Hold", "States": {"Hold": hold}})
    assert time.monotonic() - started < 9
    assert answer["status"] == "TIMED_OUT"
    # Without it, the same machine's branches run in their callers' threads to the same history.
    branches = {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": 1, "End": True}}},
        {"StartAt": "B", "States": {"B": {"Type": "Fail", "Error": "E", "Cause": "c"}}}],
        "Catch": [{"ErrorEquals": ["E"], "Next": "Caught"}]}
    answer, events = run(sfn, role, {"StartAt": "Both", "States": {
        "Both": branches, "Caught": {"Type": "Pass", "End": True}}})
    assert answer["status"] == "SUCCEEDED" and json.loads(answer["output"])["Error"] == "E"
    assert [event["type"] for event in events][-3:] == ["PassStateEntered", "PassStateExited", "ExecutionSucceeded"]


def test_lambda_invoke_output_and_errors(sfn, aws, role):
    sleeper, failer = function(aws, role, SLEEPER), function(aws, role, FAILER)
    missing = sleeper.replace("speed-", "missing-")
    answer, events = run(sfn, role, {"StartAt": "Ok", "States": {
        "Ok": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
               "Parameters": {"FunctionName": sleeper, "Payload": {"seconds": 0}}, "ResultPath": "$.ok",
               "Next": "Plain"},
        "Plain": {"Type": "Task", "Resource": sleeper, "Parameters": {"seconds": 0}, "ResultPath": "$.plain",
                  "Next": "Fails"},
        "Fails": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "Parameters": {"FunctionName": failer, "Payload": {"sku": "s-1"}},
                  "Catch": [{"ErrorEquals": ["ValueError"], "ResultPath": "$.failed", "Next": "Missing"}],
                  "End": True},
        "Missing": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": missing, "Payload": {}},
                    "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.missing", "Next": "Qualifier"}],
                    "End": True},
        "Qualifier": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                      "Parameters": {"FunctionName": sleeper, "Qualifier": "no-such-alias", "Payload": {}},
                      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.qualifier", "Next": "Done"}],
                      "End": True},
        "Done": {"Type": "Succeed"}}})
    assert answer["status"] == "SUCCEEDED", (answer.get("error"), answer.get("cause"))
    output = json.loads(answer["output"])
    # AWS adds the HTTP answer's metadata to an optimised integration's result (not to a plain ARN's).
    assert without_sdk_metadata(output["ok"]) == {"ExecutedVersion": "$LATEST", "Payload": {"slept": 0},
                                                  "StatusCode": 200}
    assert output["ok"]["SdkHttpMetadata"]["HttpStatusCode"] == 200
    assert output["ok"]["SdkResponseMetadata"]["RequestId"] == \
        output["ok"]["SdkHttpMetadata"]["HttpHeaders"]["x-amzn-RequestId"]
    assert output["plain"] == {"slept": 0}
    assert output["failed"]["Error"] == "ValueError"
    cause = json.loads(output["failed"]["Cause"])
    assert (cause["errorType"], cause["errorMessage"]) == ("ValueError", "no stock for s-1")
    # An unqualified Invoke asks for $LATEST, and Lambda's message says so.
    for key, name in (("missing", f"{missing}:$LATEST"), ("qualifier", f"{sleeper}:no-such-alias")):
        assert output[key]["Error"] == "Lambda.ResourceNotFoundException"
        assert output[key]["Cause"].startswith(
            f"Function not found: {name} (Service: AWSLambda; Status Code: 404; "
            "Error Code: ResourceNotFoundException; Request ID: ")
    succeeded = [e for e in events if e["type"] == "TaskSucceeded"]
    assert json.loads(succeeded[0]["taskSucceededEventDetails"]["output"]) == output["ok"]


def test_dynamodb_task_results_and_errors(sfn, aws, role):
    name = table(aws)
    key = {"id": {"S": "o-1"}}
    answer, _ = run(sfn, role, {"StartAt": "Put", "States": {
        "Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "ResultPath": "$.put",
                "Parameters": {"TableName": name, "Item": {**key, "n": {"N": "7"}, "tags": {"SS": ["a", "b"]}}},
                "Next": "PutAgain"},
        "PutAgain": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                     "Parameters": {"TableName": name, "Item": key, "ConditionExpression": "attribute_not_exists(id)"},
                     "Catch": [{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"],
                                "ResultPath": "$.conflict", "Next": "Update"}], "End": True},
        "Update": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:updateItem", "ResultPath": "$.update",
                   "Parameters": {"TableName": name, "Key": key, "UpdateExpression": "SET #s = :s",
                                  "ExpressionAttributeNames": {"#s": "status"},
                                  "ExpressionAttributeValues": {":s": {"S": "CONFIRMED"}},
                                  "ReturnValues": "UPDATED_NEW"},
                   "Next": "Get"},
        "Get": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem", "ResultPath": "$.get",
                "Parameters": {"TableName": name, "Key": key}, "Next": "Delete"},
        "Delete": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:deleteItem", "ResultPath": "$.delete",
                   "Parameters": {"TableName": name, "Key": key}, "Next": "NoTable"},
        "NoTable": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                    "Parameters": {"TableName": "no-such-table", "Key": key},
                    "Catch": [{"ErrorEquals": ["DynamoDB.ResourceNotFoundException"], "ResultPath": "$.missing",
                               "Next": "Done"}], "End": True},
        "Done": {"Type": "Succeed"}}})
    assert answer["status"] == "SUCCEEDED", answer
    output = json.loads(answer["output"])
    assert without_sdk_metadata(output["put"]) == {} and without_sdk_metadata(output["delete"]) == {}
    assert output["put"]["SdkHttpMetadata"]["HttpHeaders"]["Content-Length"] == "2"
    assert output["conflict"]["Error"] == "DynamoDB.ConditionalCheckFailedException"
    assert output["conflict"]["Cause"].startswith(
        "The conditional request failed (Service: AmazonDynamoDBv2; Status Code: 400; "
        "Error Code: ConditionalCheckFailedException; Request ID: ")
    # No ConsumedCapacity unless the request asks for it (ReturnConsumedCapacity).
    assert without_sdk_metadata(output["update"]) == {"Attributes": {"status": {"S": "CONFIRMED"}}}
    assert without_sdk_metadata(output["get"]) == {
        "Item": {**key, "n": {"N": "7"}, "tags": {"SS": ["a", "b"]}, "status": {"S": "CONFIRMED"}}}
    assert output["missing"]["Error"] == "DynamoDB.ResourceNotFoundException"
    assert aws("dynamodb").scan(TableName=name)["Count"] == 0


# -- the in-process calls against the boto3 client calls they replace ----------------------
# Both comparisons run in one process of their own (moto's defaults: account, real-time
# waits; its own state dir), with the sandbox's patches installed as the server installs them.
RUNNER = textwrap.dedent('''
    import json, sys
    from aws_sandbox import moto_patches

    moto_patches.install(1)
    moto_patches.install_deferred()
    answers = {}
    for name, source in json.loads(sys.stdin.read()).items():
        scope = {}
        exec(source, scope)
        answers[name] = scope["RESULT"]
    json.dump(answers, sys.stdout, default=repr)
''')


@pytest.fixture(scope="module")
def side_by_side(tmp_path_factory) -> dict[str, list]:
    env = {**os.environ, "LAB_SANDBOX_HOME": str(tmp_path_factory.mktemp("side-by-side")),
           "PYTHONPATH": str(ROOT)}
    for name in ("MOTO_ACCOUNT_ID", "LAB_SANDBOX_SFN_TIME_SCALE"):
        env.pop(name, None)
    done = subprocess.run([sys.executable, "-c", RUNNER], env=env, cwd=ROOT, capture_output=True, text=True,
                          input=json.dumps({"tasks": SIDE_BY_SIDE, "http": HTTP_SIDE_BY_SIDE}), timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


SIDE_BY_SIDE = textwrap.dedent('''
    import io, json, sys, zipfile
    from botocore.exceptions import ClientError
    from aws_sandbox import lambda_runtime
    from aws_sandbox.stepfunctions import tasks as sfn

    def outcome(call):
        try:
            answer = call()
        except ClientError as error:
            metadata = error.response["ResponseMetadata"]
            return [type(error).__name__, error.response["Error"], metadata["HTTPStatusCode"],
                    bool(metadata["RequestId"])]
        answer.pop("ResponseMetadata", None)
        if "Payload" in answer:
            payload = json.loads(answer["Payload"].read() or "null")
            if isinstance(payload, dict):
                payload.pop("requestId", None)  # a new one per call
            answer["Payload"] = payload
        return answer

    pairs = []
    # each path writes its own table ("t" by the client, "t-in-process" in-process), named alike in answers
    dynamodb = sfn.task_client("us-east-1", "dynamodb")
    for table in ("t", "t-in-process"):
        dynamodb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                              KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    item = {"id": {"S": "a"}, "n": {"N": "1.50"}, "m": {"M": {"l": {"L": [{"BOOL": True}, {"NULL": True}]}}}}
    for method, parameters in [
        ("put_item", {"TableName": "t", "Item": item}),
        ("put_item", {"TableName": "t", "Item": item, "ReturnValues": "ALL_OLD", "ReturnConsumedCapacity": "TOTAL"}),
        ("put_item", {"TableName": "t", "Item": item, "ConditionExpression": "attribute_not_exists(id)"}),
        ("put_item", {"TableName": "t", "Item": item, "ReturnValues": "UPDATED_NEW"}),
        ("get_item", {"TableName": "t", "Key": {"id": {"S": "a"}}, "ProjectionExpression": "n, m"}),
        ("get_item", {"TableName": "t", "Key": {"id": {"S": "zz"}}}),
        ("get_item", {"TableName": "none", "Key": {"id": {"S": "a"}}}),
        ("update_item", {"TableName": "t", "Key": {"id": {"S": "a"}}, "UpdateExpression": "SET #s = :s",
                         "ExpressionAttributeNames": {"#s": "s"}, "ExpressionAttributeValues": {":s": {"S": "x"}},
                         "ReturnValues": "ALL_NEW"}),
        ("update_item", {"TableName": "t", "Key": {"id": {"S": "a"}}, "UpdateExpression": "SET #s = :missing",
                         "ExpressionAttributeNames": {"#s": "s"}}),
        ("delete_item", {"TableName": "t", "Key": {"id": {"S": "a"}}, "ReturnValues": "ALL_OLD"}),
        ("delete_item", {"TableName": "t", "Key": {"id": {"S": "a"}}, "ConditionExpression": "attribute_exists(id)"}),
    ]:
        own = {**parameters, "TableName": parameters["TableName"].replace("t", "t-in-process")}
        in_process = json.dumps(outcome(lambda: sfn.dynamodb_call("us-east-1", method, own)))
        pairs.append([method, outcome(lambda: getattr(dynamodb, method)(**parameters)),
                      json.loads(in_process.replace('"t-in-process"', '"t"'))])

    lambdas = sfn.task_client("us-east-1", "lambda")
    role = sfn.task_client("us-east-1", "iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("h.py", "def ok(e, c):\\n    return {'got': e}\\n"
                                "def text(e, c):\\n    return 'plain'\\n"
                                "def fail(e, c):\\n    raise KeyError('k')\\n")
    for name in ("ok", "text", "fail"):
        lambdas.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler=f"h.{name}",
                                Code={"ZipFile": archive.getvalue()})
    try:
        for parameters in [
            {"FunctionName": "ok", "Payload": b'{"a": [1, 2.5, null]}'},
            {"FunctionName": "ok"},
            {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:ok", "Qualifier": "$LATEST",
             "Payload": b"{}"},
            {"FunctionName": "text", "Payload": b"{}"},
            {"FunctionName": "fail", "Payload": b"{}"},
            {"FunctionName": "ok", "Payload": b"{}", "InvocationType": "Event"},
            {"FunctionName": "ok", "Payload": b"{}", "InvocationType": "DryRun"},
            {"FunctionName": "nope", "Payload": b"{}"},
            {"FunctionName": "ok", "Payload": b"not json"},
        ]:
            pairs.append(["invoke", outcome(lambda: lambdas.invoke(**parameters)),
                          outcome(lambda: sfn.lambda_invoke("us-east-1", dict(parameters)))])
    finally:
        lambda_runtime.shutdown_all_workers()
    RESULT = pairs
''')


def test_in_process_task_calls_answer_as_the_boto3_client_did(side_by_side):
    pairs = side_by_side["tasks"]
    assert len(pairs) == 20
    for operation, by_client, in_process in pairs:
        assert in_process == by_client, operation
    # the cases reach the answers they are meant to compare
    codes = [o[1]["Code"] if isinstance(o, list) else "ok" for _, o, _ in pairs]
    assert codes == ["ok", "ok", "ConditionalCheckFailedException", "ValidationException", "ok", "ok",
                     "ResourceNotFoundException", "ok", "ValidationException", "ok",
                     "ConditionalCheckFailedException"] + ["ok"] * 7 + [
                     "ResourceNotFoundException", "InvalidRequestContentException"]
    assert pairs[15][1]["FunctionError"] == "Unhandled" and pairs[16][1]["StatusCode"] == 202


# -- StartExecution and DescribeExecution before moto's dispatcher ----------------------------
HTTP_SIDE_BY_SIDE = textwrap.dedent('''
    import io, json, sys, time
    from moto.core.request import Request
    from moto.stepfunctions.responses import StepFunctionResponse
    from aws_sandbox.stepfunctions import speed as sfn

    def environ(operation, body):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
                "SERVER_PORT": "4566", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(data),
                "CONTENT_LENGTH": str(len(data)), "CONTENT_TYPE": "application/x-amz-json-1.0",
                "HTTP_HOST": "127.0.0.1:4566", "HTTP_X_AMZ_TARGET": f"AWSStepFunctions.{operation}",
                "HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/states/aws4_request, "
                                      "SignedHeaders=host, Signature=0"}

    def dispatch(request):
        try:
            return StepFunctionResponse.dispatch(request, "http://127.0.0.1:4566/", request.headers)
        except Exception as error:  # moto's own crash on a request boto3 would not send: a 500
            return 500, {}, json.dumps(type(error).__name__)

    def by_moto(operation, body):
        return dispatch(Request(environ(operation, body)))

    def by_sandbox(operation, body):
        request = Request(environ(operation, body))
        response = sfn.handle_operation(request)
        if response is None:  # declined: moto answers, and can still read the body
            return "moto", dispatch(Request(request.environ))
        return "sandbox", (response.status_code, dict(response.headers), response.get_data(as_text=True))

    def summary(answer):
        status, headers, body = answer
        if status == 500:
            return [status, body]
        headers = {k.lower(): v for k, v in headers.items()}
        return [status, headers.get("x-amzn-errortype"), bool(headers.get("x-amzn-requestid")), json.loads(body)]

    def machine(name, states):
        return json.loads(by_moto("CreateStateMachine", {
            "name": name, "roleArn": "arn:aws:iam::123456789012:role/r",
            "definition": json.dumps({"StartAt": "S", "States": states})})[2])["stateMachineArn"]

    passing = {"S": {"Type": "Pass", "Result": {"ok": [1, "two"]}, "End": True}}
    failing = {"S": {"Type": "Fail", "Error": "Boom", "Cause": "it broke"}}
    waiting = {"S": {"Type": "Wait", "Seconds": 100_000, "End": True}}
    pairs = []
    # StartExecution: each path starts on its own machine (same definition), named alike in answers
    for body in [{"input": '{"a": 1}'}, {}, {"name": "n-1", "input": "{}"}, {"name": "n-1", "input": "{}"},
                 {"name": "n-1", "input": '{"other": true}'}, {"name": "bad name"}, {"input": "{not json"},
                 {"input": {"a": 1}}, {"traceHeader": "Root=1-5759e988-bd862e3fe1be46a994272793"}]:
        moto_arn, own_arn = machine(f"mo{len(pairs)}", waiting), machine(f"sb{len(pairs)}", waiting)
        if body.get("name") == "n-1" and len(pairs) in (3, 4):  # same name again, on the earlier machines
            moto_arn, own_arn = moto_arn.replace(f"mo{len(pairs)}", "mo2"), own_arn.replace(f"sb{len(pairs)}", "sb2")
        moto = summary(by_moto("StartExecution", {**body, "stateMachineArn": moto_arn}))
        path, answer = by_sandbox("StartExecution", {**body, "stateMachineArn": own_arn})
        own = json.loads(json.dumps(summary(answer)).replace(own_arn.split(":")[-1], moto_arn.split(":")[-1]))
        for item in (moto, own):  # a start date and a generated name differ between two starts
            if isinstance(item[3], dict):
                item[3].pop("startDate", None)
                if "executionArn" in item[3] and "name" not in body:
                    item[3]["executionArn"] = item[3]["executionArn"].rsplit(":", 1)[0]
        pairs.append(["StartExecution", path, moto, own])
    missing = machine("gone", passing).replace("gone", "never-created")
    for body in [{"stateMachineArn": missing}, {}, b"not json"]:
        path, answer = by_sandbox("StartExecution", body)
        pairs.append(["StartExecution", path, summary(by_moto("StartExecution", body)), summary(answer)])

    # DescribeExecution of executions in every state, and of ones that do not exist
    arns = [json.loads(by_moto("StartExecution", {"stateMachineArn": machine(f"d{i}", states), "input": '{"x": 1}'})[2])
            ["executionArn"] for i, states in enumerate((passing, failing, waiting))]
    for arn in arns[:2]:  # the passing and the failing one finish first (a bounded wait, not a guess)
        for _ in range(6000):
            if json.loads(by_moto("DescribeExecution", {"executionArn": arn})[2])["status"] != "RUNNING":
                break
            time.sleep(0.01)
    for body in [{"executionArn": arns[0]}, {"executionArn": arns[1]}, {"executionArn": arns[2]},
                 {"executionArn": arns[0] + "-nope"}, {"executionArn": "not-an-arn"}, {},
                 {"executionArn": arns[0].replace(":execution:", ":express:")}]:
        path, answer = by_sandbox("DescribeExecution", body)
        pairs.append(["DescribeExecution", path, summary(by_moto("DescribeExecution", body)), summary(answer)])
    RESULT = pairs
''')


def test_start_and_describe_execution_answer_as_moto_did(side_by_side):
    pairs = side_by_side["http"]
    for operation, _, by_moto, by_sandbox in pairs:
        assert by_sandbox == by_moto, operation
    # well-formed requests are answered by the sandbox, successes and errors alike; the rest by moto
    assert [path for _, path, _, _ in pairs] == (
        ["sandbox"] * 6 + ["moto"] * 2 + ["sandbox"] * 2 + ["moto"] * 2 + ["sandbox"] * 5 + ["moto", "sandbox"])
    assert [answer[3].get("status") for _, _, answer, _ in pairs[12:15]] == ["SUCCEEDED", "FAILED", "RUNNING"]


def test_json_copy_is_a_deep_copy_of_state_data():
    import datetime
    from collections import OrderedDict

    from aws_sandbox.stepfunctions.speed import json_copy

    shared = {"k": [1, 2.5, "x"]}
    value = {"a": [shared, shared], "n": None, "t": True, "f": 0.1 + 0.2, "big": 2**70, "s": "é✓", "e": {}, "l": []}
    copied = json_copy(value)
    assert copied == value and type(copied["f"]) is float and copied["f"] == 0.1 + 0.2
    copied["a"][0]["k"].append(3)
    assert value["a"][0]["k"] == [1, 2.5, "x"]  # nothing shared with the original
    odd = {"when": datetime.datetime(2026, 12, 1), "ordered": OrderedDict(a=1)}  # not marshal's: deepcopy's
    odd_copy = json_copy(odd)
    assert odd_copy == odd and type(odd_copy["ordered"]) is OrderedDict and odd_copy["ordered"] is not odd["ordered"]
