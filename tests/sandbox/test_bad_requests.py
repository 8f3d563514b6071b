"""A catalogue of bad requests, to the AWS endpoint and to the kit's REST API: each gets a clear 4xx
with AWS's error type, nothing is half-written, and the sandbox keeps serving.

The error types are AWS's (checked against botocore's models, dynalite's DynamoDB cases and
LocalStack's recordings where they exist); see aws_sandbox/README.md for where the wording is the
sandbox's own.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
import requests

import lab_helpers as lab

PREFIX = "badreq"
JSON10, JSON11 = "application/x-amz-json-1.0", "application/x-amz-json-1.1"
FORM = "application/x-www-form-urlencoded"
DEEP = b"[" * 100_000 + b"]" * 100_000


@dataclass
class Bad:
    """One bad request: where it goes, and the status and error type AWS answers."""

    name: str
    status: int
    code: str | None
    service: str | None = None  # SigV4 signing name; None: unsigned
    target: str | None = None
    body: Any = b""
    path: str = "/"
    method: str = "POST"
    content_type: str = JSON10
    api: bool = False  # True: to the kit's REST API (path after the stage)


def item_table() -> str:
    return f"{PREFIX}-orders"


AWS_CASES = [
    Bad("dynamodb: body that is not JSON", 400, "SerializationException", "dynamodb",
        "DynamoDB_20120810.GetItem", b"{not json"),
    Bad("dynamodb: empty body", 400, "SerializationException", "dynamodb", "DynamoDB_20120810.ListTables", b""),
    Bad("dynamodb: NaN is not JSON", 400, "SerializationException", "dynamodb", "DynamoDB_20120810.Scan",
        b'{"TableName": "x", "Limit": NaN}'),
    Bad("dynamodb: JSON nested 100,000 deep", 400, "SerializationException", "dynamodb",
        "DynamoDB_20120810.GetItem", DEEP),
    Bad("dynamodb: unknown X-Amz-Target", 400, "UnknownOperationException", "dynamodb",
        "DynamoDB_20120810.DropEverything", b"{}"),
    Bad("dynamodb: unknown target prefix", 400, "UnknownOperationException", "dynamodb", "Nope.GetItem", b"{}"),
    Bad("dynamodb: missing TableName", 400, "ValidationException", "dynamodb", "DynamoDB_20120810.GetItem",
        {"Key": {"orderId": {"S": "x"}}}),
    Bad("dynamodb: Item that is not an object", 400, "SerializationException", "dynamodb",
        "DynamoDB_20120810.PutItem", {"TableName": "@orders", "Item": "order-1"}),
    Bad("dynamodb: attribute that is not an AttributeValue", 400, "SerializationException", "dynamodb",
        "DynamoDB_20120810.PutItem", {"TableName": "@orders", "Item": {"orderId": "order-1"}}),
    Bad("dynamodb: empty AttributeValue", 400, "ValidationException", "dynamodb", "DynamoDB_20120810.PutItem",
        {"TableName": "@orders", "Item": {"orderId": {"S": "bad-1"}, "total": {}}}),
    Bad("dynamodb: AttributeValue with two types", 400, "ValidationException", "dynamodb",
        "DynamoDB_20120810.PutItem", {"TableName": "@orders", "Item": {"orderId": {"S": "bad-2", "N": "1"}}}),
    Bad("dynamodb: attribute nested 40 deep (DynamoDB allows 32)", 400, "ValidationException", "dynamodb",
        "DynamoDB_20120810.PutItem", json.loads('{"TableName": "@orders", "Item": {"orderId": {"S": "deep"}, "x": '
                                                + '{"L": [' * 40 + '{"S": "end"}' + ']}' * 40 + '}}')),
    Bad("dynamodb: attribute nested 900 deep", 400, None, "dynamodb", "DynamoDB_20120810.PutItem",
        b'{"TableName": "@orders", "Item": {"orderId": {"S": "deeper"}, "x": ' + b'{"M": {"a": ' * 900
        + b'{"S": "end"}' + b'}}' * 900 + b'}}'),
    Bad("dynamodb: PutItem key of the wrong type", 400, "ValidationException", "dynamodb",
        "DynamoDB_20120810.PutItem", {"TableName": "@orders", "Item": {"orderId": {"N": "3"}}}),
    Bad("dynamodb: PutItem without the key", 400, "ValidationException", "dynamodb", "DynamoDB_20120810.PutItem",
        {"TableName": "@orders", "Item": {"status": {"S": "x"}}}),
    Bad("dynamodb: GetItem key of the wrong type", 400, "ValidationException", "dynamodb",
        "DynamoDB_20120810.GetItem", {"TableName": "@orders", "Key": {"orderId": {"N": "1"}}}),
    Bad("dynamodb: GetItem key with an extra attribute", 400, "ValidationException", "dynamodb",
        "DynamoDB_20120810.GetItem", {"TableName": "@orders", "Key": {"orderId": {"S": "a"}, "x": {"S": "b"}}}),
    Bad("dynamodb: DeleteItem key naming another attribute", 400, "ValidationException", "dynamodb",
        "DynamoDB_20120810.DeleteItem", {"TableName": "@orders", "Key": {"id": {"S": "a"}}}),
    Bad("dynamodb: Limit that is a string", 400, "SerializationException", "dynamodb", "DynamoDB_20120810.Scan",
        {"TableName": "@orders", "Limit": "ten"}),
    Bad("dynamodb: Limit below 1", 400, "ValidationException", "dynamodb", "DynamoDB_20120810.Scan",
        {"TableName": "@orders", "Limit": 0}),
    Bad("dynamodb: ReturnValues outside its enum", 400, "ValidationException", "dynamodb",
        "DynamoDB_20120810.PutItem", {"TableName": "@orders", "Item": {"orderId": {"S": "bad-3"}},
                                      "ReturnValues": "EVERYTHING"}),
    Bad("dynamodb: CreateTable name with a space", 400, "ValidationException", "dynamodb",
        "DynamoDB_20120810.CreateTable", {"TableName": "my table", "BillingMode": "PAY_PER_REQUEST",
                                          "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
                                          "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}]}),
    Bad("states: StartExecution without stateMachineArn", 400, "ValidationException", "states",
        "AWSStepFunctions.StartExecution", {"input": "{}"}),
    Bad("states: body that is not JSON", 400, "SerializationException", "states",
        "AWSStepFunctions.StartExecution", b'{"stateMachineArn": '),
    Bad("states: input that is an object, not a string", 400, "SerializationException", "states",
        "AWSStepFunctions.StartExecution", {"stateMachineArn": "@machine", "input": {"orderId": "x"}}),
    Bad("states: execution name over 80 characters", 400, "InvalidName", "states",
        "AWSStepFunctions.StartExecution", {"stateMachineArn": "@machine", "name": "n" * 81, "input": "{}"}),
    Bad("states: input that is not JSON", 400, "InvalidExecutionInput", "states",
        "AWSStepFunctions.StartExecution", {"stateMachineArn": "@machine", "name": "bad-input", "input": "{oops"}),
    Bad("states: input over 256 KiB (140,000 characters, 280 KB of UTF-8)", 400, "ValidationException", "states",
        "AWSStepFunctions.StartExecution", {"stateMachineArn": "@machine", "name": "too-big",
                                            "input": json.dumps({"note": "é" * 140_000}, ensure_ascii=False)}),
    Bad("states: unknown operation", 400, "UnknownOperationException", "states", "AWSStepFunctions.Explode", {}),
    Bad("states: CreateStateMachine without a definition", 400, "ValidationException", "states",
        "AWSStepFunctions.CreateStateMachine", {"name": "m", "roleArn": "arn:aws:iam::123456789012:role/r"}),
    Bad("lambda: CreateFunction body that is not JSON", 400, "InvalidRequestContentException", "lambda",
        body=b"{", path="/2015-03-31/functions", content_type="application/json"),
    Bad("lambda: CreateFunction without Role", 400, "ValidationException", "lambda",
        body={"FunctionName": "bad-fn", "Runtime": "python3.12", "Handler": "app.handler", "Code": {"ZipFile": ""}},
        path="/2015-03-31/functions", content_type="application/json"),
    Bad("lambda: Timeout that is a string", 400, "InvalidRequestContentException", "lambda",
        body={"FunctionName": "bad-fn", "Role": "arn:aws:iam::123456789012:role/r", "Code": {},
              "Timeout": "long"}, path="/2015-03-31/functions", content_type="application/json"),
    Bad("lambda: Runtime outside its enum", 400, "ValidationException", "lambda",
        body={"FunctionName": "bad-fn", "Role": "arn:aws:iam::123456789012:role/r", "Code": {},
              "Runtime": "cobol85", "Handler": "a.b"}, path="/2015-03-31/functions", content_type="application/json"),
    Bad("lambda: Invoke of a function name with a space", 400, "ValidationException", "lambda",
        body=b"{}", path="/2015-03-31/functions/bad%20name/invocations", content_type="application/json"),
    Bad("lambda: Invoke payload that is not JSON", 400, "InvalidRequestContentException", "lambda",
        body=b"{nope", path="/2015-03-31/functions/@function/invocations", content_type="application/json"),
    Bad("iam: unknown Action", 400, "InvalidAction", "iam", body=b"Action=DeleteEverything&Version=2010-05-08",
        content_type=FORM),
    Bad("iam: CreateRole without RoleName", 400, "ValidationError", "iam",
        body=b"Action=CreateRole&Version=2010-05-08&AssumeRolePolicyDocument=%7B%7D", content_type=FORM),
    Bad("iam: RoleName over 64 characters", 400, "ValidationError", "iam",
        body=("Action=CreateRole&Version=2010-05-08&AssumeRolePolicyDocument=%7B%7D&RoleName=" + "r" * 65).encode(),
        content_type=FORM),
    Bad("apigateway: CreateRestApi body that is not JSON", 400, "BadRequestException", "apigateway",
        body=b"{", path="/restapis", content_type="application/json"),
    Bad("apigateway: CreateRestApi without name", 400, "ValidationException", "apigateway",
        body={"description": "no name"}, path="/restapis", content_type="application/json"),
    Bad("logs: PutLogEvents without its members", 400, "InvalidParameterException", "logs",
        "Logs_20140328.PutLogEvents", {}, content_type=JSON11),
    Bad("logs: log group name over 512 characters", 400, "InvalidParameterException", "logs",
        "Logs_20140328.CreateLogGroup", {"logGroupName": "g" * 513}, content_type=JSON11),
    Bad("cloudwatch: PutMetricData without Namespace", 400, "MissingParameter", "monitoring",
        "GraniteServiceVersion20100801.PutMetricData", {"MetricData": []}),
    Bad("sns: Publish without Message", 400, "InvalidParameter", "sns",
        body=b"Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3At",
        content_type=FORM),
    Bad("sqs: SendMessage without QueueUrl", 400, "ValidationException", "sqs", "AmazonSQS.SendMessage",
        {"MessageBody": "x"}),
    Bad("events: Entries that is not a list", 400, "SerializationException", "events", "AWSEvents.PutEvents",
        {"Entries": "all"}, content_type=JSON11),
    Bad("unsigned garbage POST", 403, "MissingAuthenticationTokenException", body=b"\x00\x01garbage"),
    Bad("unsigned GET of the root", 403, "MissingAuthenticationTokenException", method="GET"),
]

API_CASES = [
    Bad("api: body that is not JSON", 400, "BadRequestException", body=b'{"orderId": ', path="/orders",
        content_type="application/json", api=True),
    Bad("api: JSON nested 100,000 deep", 400, "BadRequestException", body=DEEP, path="/orders",
        content_type="application/json", api=True),
    Bad("api: empty body", 400, "BadRequestException", body=b"", path="/orders", content_type="application/json",
        api=True),
    Bad("api: order without items", 400, "BadRequestException", body={"orderId": "no-items", "userId": "u1"},
        path="/orders", content_type="application/json", api=True),
    Bad("api: quantity that is a string", 400, "BadRequestException",
        body={"orderId": "str-qty", "userId": "u1", "items": [{"productId": "prod-1", "quantity": "two"}]},
        path="/orders", content_type="application/json", api=True),
    Bad("api: orderId with a space", 400, "BadRequestException",
        body={"orderId": "has space", "userId": "u1", "items": [{"productId": "prod-1", "quantity": 1}]},
        path="/orders", content_type="application/json", api=True),
    Bad("api: a JSON array instead of an order", 400, "BadRequestException", body=[1, 2], path="/orders",
        content_type="application/json", api=True),
    Bad("api: body over API Gateway's 10 MB", 413, None, body=b'{"orderId": "huge", "pad": "' + b"x" * (10 << 20)
        + b'"}', path="/orders", content_type="application/json", api=True),
    Bad("api: status of an unknown order", 404, None, path="/orders/never-placed/status", method="GET", api=True),
    Bad("api: a path the API does not have", 403, "MissingAuthenticationTokenException", body={}, path="/admin",
        content_type="application/json", api=True),
    Bad("api: a method the resource does not have", 403, "MissingAuthenticationTokenException",
        path="/orders", method="DELETE", api=True),
]


@pytest.fixture(scope="module")
def ws(lab_env):
    return lab.ensure_workshop(upto=5)


@pytest.fixture(scope="module")
def names(ws, aws):
    fn = next(iter(ws.functions))
    return {"@orders": ws.tables.get("orders") or f"{PREFIX}-orders", "@machine": ws.state_machine_arn,
            "@function": fn}


def substitute(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, bytes):
        return substitute(value.decode("latin-1"), names).encode("latin-1")
    if isinstance(value, str):
        for placeholder, real in names.items():
            value = value.replace(placeholder, real)
        return value
    if isinstance(value, dict):
        return {k: substitute(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, names) for v in value]
    return value


def send(case: Bad, sandbox: str, ws, names: dict[str, str]) -> requests.Response:
    body = case.body if isinstance(case.body, bytes) else json.dumps(case.body).encode()
    body = substitute(body, names)
    headers = {"Content-Type": case.content_type} if body or case.method == "POST" else {}
    if case.api:
        return requests.request(case.method, ws.api_url + case.path, data=body, headers=headers, timeout=60)
    if case.service:
        headers["Authorization"] = (f"AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{case.service}/"
                                    "aws4_request, SignedHeaders=host, Signature=0")
    if case.target:
        headers["X-Amz-Target"] = case.target
    return requests.request(case.method, sandbox + substitute(case.path, names), data=body, headers=headers,
                            timeout=60)


def error_code(answer: requests.Response) -> str | None:
    if answer.headers.get("x-amzn-ErrorType"):
        return answer.headers["x-amzn-ErrorType"].split(":")[0]
    xml = re.search(r"<Code>([^<]+)</Code>", answer.text)
    if xml:
        return xml[1]
    try:
        body = answer.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or not body.get("__type"):
        return None
    return body["__type"].rsplit("#", 1)[-1]


def state_of_everything(aws, ws) -> dict:
    """What a bad request must not change: resources, table contents, executions."""
    tables = aws("dynamodb").list_tables()["TableNames"]
    return {
        "tables": tables,
        "items": {t: aws("dynamodb").scan(TableName=t, Select="COUNT")["Count"] for t in tables},
        "functions": sorted(f["FunctionName"] for f in aws("lambda").list_functions()["Functions"]),
        "machines": sorted(m["name"] for m in aws("stepfunctions").list_state_machines()["stateMachines"]),
        "executions": len(aws("stepfunctions").list_executions(stateMachineArn=ws.state_machine_arn)["executions"]),
        "apis": sorted(a["name"] for a in aws("apigateway").get_rest_apis()["items"]),
        "roles": sorted(r["RoleName"] for r in aws("iam").list_roles()["Roles"]),
        "log_groups": sorted(g["logGroupName"] for g in aws("logs").describe_log_groups()["logGroups"]),
    }


def test_the_catalogue_is_large_enough():
    assert len(AWS_CASES) + len(API_CASES) >= 40
    assert len({case.name for case in AWS_CASES + API_CASES}) == len(AWS_CASES) + len(API_CASES)


def test_every_bad_request_gets_a_clear_4xx_and_changes_nothing(sandbox, aws, ws, names):
    before = state_of_everything(aws, ws)
    wrong = []
    for case in AWS_CASES + API_CASES:
        answer = send(case, sandbox, ws, names)
        code = error_code(answer)
        if answer.status_code != case.status or (case.code and code != case.code):
            wrong.append(f"{case.name}: {answer.status_code} {code} {answer.text[:160]!r}")
        elif "ListAllMyBucketsResult" in answer.text or not answer.text.strip():
            wrong.append(f"{case.name}: no clear message: {answer.text[:160]!r}")
        assert requests.get(f"{sandbox}/_sandbox/health", timeout=30).status_code == 200, case.name
    assert wrong == [], "\n".join(wrong)
    assert state_of_everything(aws, ws) == before  # nothing half-written


def test_good_requests_still_pass(aws, ws, names):
    """The same operations, well formed, are served as before (the checks refuse only what AWS does)."""
    table = names["@orders"]
    assert "Item" not in aws("dynamodb").get_item(TableName=table, Key={"orderId": {"S": "never-written"}})
    assert aws("stepfunctions").describe_state_machine(stateMachineArn=ws.state_machine_arn)["status"] == "ACTIVE"
    assert aws("logs").describe_log_groups(logGroupNamePrefix="/aws/lambda/")["logGroups"] is not None
    assert aws("sqs").list_queues().get("QueueUrls", []) is not None
    assert aws("cloudwatch").list_metrics()["Metrics"] is not None
