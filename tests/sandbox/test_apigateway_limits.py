"""Data plane: API keys, usage plans, throttling, quotas, request validation, access log, apigateway:invoke."""
from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
import requests

from aws_sandbox.apigateway.throttling import Limiter, period_start
from tests.conftest import wait_for_execution
from tests.sandbox.test_apigateway_support import RestApi, lambda_uri, python_lambda


@pytest.fixture(scope="module", autouse=True)
def data_plane_loaded(sandbox):
    requests.get(f"{sandbox}/_aws/execute-api/none/none/", timeout=10)


# -- the throttling module, on an injected clock ----------------------------------------------
class FakeClock:
    def __init__(self, start: float):
        self.now = start

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_the_burst_then_refills_at_the_rate():
    clock = FakeClock(1_000.0)
    limiter = Limiter(clock)
    assert [limiter.allow(("k",), rate=2, burst=3) for _ in range(4)] == [True, True, True, False]
    clock.now += 0.5  # one token back at 2/s
    assert [limiter.allow(("k",), rate=2, burst=3) for _ in range(2)] == [True, False]
    clock.now += 10  # never more than the burst
    assert sum(limiter.allow(("k",), rate=2, burst=3) for _ in range(5)) == 3


def test_quota_counts_per_calendar_period_with_offset_in_the_first():
    monday = dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC).timestamp()
    clock = FakeClock(monday)
    limiter = Limiter(clock)
    assert [limiter.within_quota(("q",), 3, "DAY", offset=1) for _ in range(3)] == [True, True, False]
    clock.now += 86_400  # next day: the full limit, no offset
    assert [limiter.within_quota(("q",), 3, "DAY", offset=1) for _ in range(4)] == [True, True, True, False]
    assert period_start("WEEK", monday + 3 * 86_400) == dt.datetime(2026, 11, 23, tzinfo=dt.UTC).timestamp()
    assert period_start("MONTH", monday) == dt.datetime(2026, 11, 1, tzinfo=dt.UTC).timestamp()


# -- API keys and usage plans over HTTP -------------------------------------------------------
def _keyed_api(aws, sandbox, throttle=None, quota=None):
    api = RestApi(aws, sandbox)
    api.mock("/k", "GET", body='{"key": "$context.identity.apiKeyId"}', apiKeyRequired=True)
    api.mock("/open", "GET")
    api.deploy("prod")
    client = api.client
    plan_args = {"name": f"plan-{uuid.uuid4().hex[:6]}", "apiStages": [{"apiId": api.id, "stage": "prod"}]}
    if throttle:
        plan_args["throttle"] = throttle
    if quota:
        plan_args["quota"] = quota
    plan = client.create_usage_plan(**plan_args)
    key = client.create_api_key(name=f"key-{uuid.uuid4().hex[:6]}", enabled=True)
    client.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    return api, key


def test_api_key_required(aws, sandbox):
    api, key = _keyed_api(aws, sandbox)
    ok = api.call("GET", "/k", stage="prod", headers={"x-api-key": key["value"]})
    assert (ok.status_code, ok.json()) == (200, {"key": key["id"]})
    assert api.call("GET", "/open", stage="prod").status_code == 200
    for headers in ({}, {"x-api-key": "not-a-key-at-all-0123456789"}):
        refused = api.call("GET", "/k", stage="prod", headers=headers)
        assert (refused.status_code, refused.json()) == (403, {"message": "Forbidden"})
    outside = api.client.create_api_key(name="no-plan", enabled=True)
    assert api.call("GET", "/k", stage="prod", headers={"x-api-key": outside["value"]}).status_code == 403
    disable = {"op": "replace", "path": "/enabled", "value": "false"}
    api.client.update_api_key(apiKey=key["id"], patchOperations=[disable])
    assert api.call("GET", "/k", stage="prod", headers={"x-api-key": key["value"]}).status_code == 403


def test_usage_plan_throttle_and_quota(aws, sandbox):
    # A rate so low the bucket cannot refill during the test: the burst (2) passes, then 429.
    api, key = _keyed_api(aws, sandbox, throttle={"rateLimit": 0.001, "burstLimit": 2})
    statuses = [api.call("GET", "/k", stage="prod", headers={"x-api-key": key["value"]}) for _ in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert statuses[2].json() == {"message": "Too Many Requests"}
    api, key = _keyed_api(aws, sandbox, quota={"limit": 2, "period": "DAY"})
    statuses = [api.call("GET", "/k", stage="prod", headers={"x-api-key": key["value"]}) for _ in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert statuses[2].json() == {"message": "Limit Exceeded"}


def test_stage_method_throttling_settings(aws, sandbox):
    api = RestApi(aws, sandbox)
    api.mock("/t", "GET")
    api.mock("/free", "GET")
    api.deploy("prod")
    api.client.update_stage(restApiId=api.id, stageName="prod", patchOperations=[
        {"op": "replace", "path": "/~1t/GET/throttling/rateLimit", "value": "0.001"},
        {"op": "replace", "path": "/~1t/GET/throttling/burstLimit", "value": "1"}])
    assert [api.call("GET", "/t", stage="prod").status_code for _ in range(2)] == [200, 429]
    assert api.call("GET", "/free", stage="prod").status_code == 200


# -- request validation -----------------------------------------------------------------------
def test_request_validators(aws, sandbox):
    api = RestApi(aws, sandbox)
    schema = {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object",
              "required": ["orderId", "items"],
              "properties": {"orderId": {"type": "string"}, "items": {"type": "array", "minItems": 1}}}
    api.client.create_model(restApiId=api.id, name="Order", contentType="application/json", schema=json.dumps(schema))
    both = api.client.create_request_validator(restApiId=api.id, name="all", validateRequestBody=True,
                                               validateRequestParameters=True)
    api.mock("/orders", "POST", requestValidatorId=both["id"], requestModels={"application/json": "Order"},
             requestParameters={"method.request.querystring.tenant": True, "method.request.header.X-Req": False})
    api.client.put_gateway_response(restApiId=api.id, responseType="BAD_REQUEST_BODY", responseTemplates={
        "application/json": '{"message": $context.error.messageString, '
                            '"details": "$context.error.validationErrorString"}'})
    api.deploy()
    missing = api.call("POST", "/orders", json={"orderId": "1", "items": [1]})
    assert (missing.status_code, missing.json()) == (400, {"message": "Missing required request parameters: [tenant]"})
    invalid = api.call("POST", "/orders", params={"tenant": "t"}, json={"orderId": 5})
    assert invalid.status_code == 400
    assert invalid.json()["message"] == "Invalid request body"
    assert 'object has missing required properties (["items"])' in invalid.json()["details"]
    assert api.call("POST", "/orders", params={"tenant": "t"}, data="not json").status_code == 400
    assert api.call("POST", "/orders", params={"tenant": "t"}, json={"orderId": "1", "items": [1]}).status_code == 200


# -- access log -------------------------------------------------------------------------------
def test_access_log_in_memory_and_in_cloudwatch(aws, sandbox):
    logs = aws("logs")
    group = f"/apigw/access-{uuid.uuid4().hex[:6]}"
    logs.create_log_group(logGroupName=group)
    api, key = _keyed_api(aws, sandbox)
    api.client.update_stage(restApiId=api.id, stageName="prod", patchOperations=[
        {"op": "replace", "path": "/accessLogSettings/destinationArn",
         "value": f"arn:aws:logs:us-east-1:123456789012:log-group:{group}"},
        {"op": "replace", "path": "/accessLogSettings/format",
         "value": "$context.requestId $context.httpMethod $context.resourcePath $context.status "
                  "$context.identity.apiKeyId"}])
    since = requests.get(f"{sandbox}/_sandbox/access-log", timeout=10).json()["entries"]
    last = since[-1]["seq"] if since else 0
    response = api.call("GET", "/k", stage="prod", headers={"x-api-key": key["value"]})
    entries = requests.get(f"{sandbox}/_sandbox/access-log", params={"since": last}, timeout=10).json()["entries"]
    mine = [e for e in entries if e["apiId"] == api.id]
    assert len(mine) == 1
    entry = mine[0]
    assert (entry["stage"], entry["httpMethod"], entry["resourcePath"], entry["path"], entry["status"]) == (
        "prod", "GET", "/k", "/k", 200)
    assert entry["apiKeyId"] == key["id"] and entry["requestId"] == response.headers["x-amzn-RequestId"]
    assert entry["latencyMs"] >= entry["integrationLatencyMs"] >= 0
    events = logs.filter_log_events(logGroupName=group)["events"]
    assert [e["message"] for e in events] == [f"{entry['requestId']} GET /k 200 {key['id']}"]


# -- Step Functions apigateway:invoke (conformance cases 24-26) -------------------------------
INVOKE_DEFINITION = {
    "StartAt": "ApiGatewayInvoke",
    "States": {"ApiGatewayInvoke": {"Type": "Task", "Resource": "arn:aws:states:::apigateway:invoke",
                                    "Parameters": {"ApiEndpoint.$": "$.ApiEndpoint", "Method.$": "$.Method",
                                                   "Path.$": "$.Path", "Stage.$": "$.Stage",
                                                   "RequestBody.$": "$.RequestBody"},
                                    "End": True}}}


@pytest.fixture(scope="module")
def invoke_machine(aws, sandbox):
    function = python_lambda(aws, "def handler(event, context):\n    return event\n")
    api = RestApi(aws, sandbox)
    api.method("/id_func", "POST", integration={"type": "AWS", "integrationHttpMethod": "POST",
                                                "uri": lambda_uri(function)})
    api.deploy("sfn-apigw-api")
    machine = aws("stepfunctions").create_state_machine(
        name=f"invoke-{uuid.uuid4().hex[:6]}", definition=json.dumps(INVOKE_DEFINITION),
        roleArn="arn:aws:iam::123456789012:role/sfn")["stateMachineArn"]
    return machine, f"{api.id}.execute-api.us-east-1.amazonaws.com"


def _run(aws, machine: str, execution_input: dict) -> dict:
    sfn = aws("stepfunctions")
    arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps(execution_input))["executionArn"]
    return wait_for_execution(sfn, arn)


@pytest.mark.parametrize("body, expected", [({"message": "HelloWorld!"}, {"message": "HelloWorld!"}), (None, {})])
def test_apigateway_invoke_reaches_the_data_plane(aws, invoke_machine, body, expected):
    machine, endpoint = invoke_machine
    done = _run(aws, machine, {"ApiEndpoint": endpoint, "Method": "POST", "Path": "id_func",
                               "Stage": "sfn-apigw-api", "RequestBody": body})
    assert done["status"] == "SUCCEEDED", (done.get("error"), done.get("cause"))
    output = json.loads(done["output"])
    assert output["ResponseBody"] == expected
    assert (output["StatusCode"], output["StatusText"]) == (200, "OK")
    assert output["Headers"]["Content-Type"] == ["application/json"]
    assert all(isinstance(v, list) for v in output["Headers"].values())


def test_apigateway_invoke_of_a_missing_path_fails_with_403(aws, invoke_machine):
    machine, endpoint = invoke_machine
    done = _run(aws, machine, {"ApiEndpoint": endpoint, "Method": "POST", "Path": "id_funcinvalid",
                               "Stage": "sfn-apigw-api", "RequestBody": "HelloWorld"})
    assert done["status"] == "FAILED"
    assert done["error"] == "ApiGateway.403", done.get("cause")
    assert json.loads(done["cause"]) == {"message": "Missing Authentication Token"}
