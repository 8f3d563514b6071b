"""GetUsage and UpdateUsage (aws_sandbox/apigateway/usage.py): what a key used under its plan, per day."""
from __future__ import annotations

import datetime as dt

import pytest
from botocore.exceptions import ClientError

from tests.sandbox.test_apigateway_limits import _keyed_api


def today() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")


def plan_of(api) -> str:
    return next(p["id"] for p in api.client.get_usage_plans()["items"]
                if any(s["apiId"] == api.id for s in p["apiStages"]))


def call(api, key, times: int) -> list[int]:
    return [api.call("GET", "/k", stage="prod", headers={"x-api-key": key["value"]}).status_code for _ in range(times)]


def test_get_usage_counts_the_requests_a_key_made_today_and_what_is_left(aws, sandbox):
    api, key = _keyed_api(aws, sandbox, quota={"limit": 5, "period": "DAY"})
    assert call(api, key, 7) == [200] * 5 + [429] * 2
    usage = api.client.get_usage(usagePlanId=plan_of(api), startDate=today(), endDate=today())
    assert usage["startDate"] == usage["endDate"] == today()
    assert usage["items"] == {key["id"]: [[5, 0]]}  # over-quota requests are not counted


def test_each_day_of_the_range_has_an_entry_and_key_id_filters(aws, sandbox):
    api, key = _keyed_api(aws, sandbox, quota={"limit": 100, "period": "MONTH"})
    other = api.client.create_api_key(name="other-key", enabled=True)
    api.client.create_usage_plan_key(usagePlanId=plan_of(api), keyId=other["id"], keyType="API_KEY")
    call(api, key, 3)
    yesterday = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).strftime("%Y-%m-%d")
    usage = api.client.get_usage(usagePlanId=plan_of(api), startDate=yesterday, endDate=today())
    assert usage["items"][key["id"]][-1] == [3, 97] and usage["items"][other["id"]][-1] == [0, 100]
    assert len(usage["items"][key["id"]]) == 2
    only = api.client.get_usage(usagePlanId=plan_of(api), keyId=other["id"], startDate=today(), endDate=today())
    assert list(only["items"]) == [other["id"]]


def test_throttled_requests_are_not_counted(aws, sandbox):
    api, key = _keyed_api(aws, sandbox, throttle={"rateLimit": 0.001, "burstLimit": 2})
    assert call(api, key, 4) == [200, 200, 429, 429]
    usage = api.client.get_usage(usagePlanId=plan_of(api), startDate=today(), endDate=today())
    assert usage["items"][key["id"]] == [[2, 0]]  # no quota: nothing "remaining" to report


def test_update_usage_grants_more_of_the_quota(aws, sandbox):
    api, key = _keyed_api(aws, sandbox, quota={"limit": 3, "period": "DAY"})
    assert call(api, key, 4) == [200, 200, 200, 429]
    answer = api.client.update_usage(usagePlanId=plan_of(api), keyId=key["id"],
                                     patchOperations=[{"op": "replace", "path": "/remaining", "value": "2"}])
    assert answer["items"] == {key["id"]: [[3, 2]]}
    assert call(api, key, 3) == [200, 200, 429]
    usage = api.client.get_usage(usagePlanId=plan_of(api), startDate=today(), endDate=today())
    assert usage["items"][key["id"]] == [[5, 0]]


@pytest.mark.parametrize("arguments, code", [
    ({"usagePlanId": "nope", "startDate": "2026-01-01", "endDate": "2026-01-02"}, "NotFoundException"),
    ({"startDate": "2026-01-02", "endDate": "2026-01-01"}, "BadRequestException"),
    ({"startDate": "2026-01-01", "endDate": "2026-06-01"}, "BadRequestException"),
    ({"startDate": "yesterday", "endDate": "2026-06-01"}, "BadRequestException"),
])
def test_bad_get_usage_requests_are_refused(aws, sandbox, arguments, code):
    api, _ = _keyed_api(aws, sandbox)
    with pytest.raises(ClientError) as caught:
        api.client.get_usage(**{"usagePlanId": plan_of(api), **arguments})
    assert caught.value.response["Error"]["Code"] == code


def test_update_usage_plan_takes_a_fractional_rate_limit(aws, sandbox):
    api, key = _keyed_api(aws, sandbox, throttle={"rateLimit": 5, "burstLimit": 2})
    plan = api.client.update_usage_plan(usagePlanId=plan_of(api), patchOperations=[
        {"op": "replace", "path": "/throttle/rateLimit", "value": "0.5"},
        {"op": "replace", "path": "/throttle/burstLimit", "value": "1"}])
    assert plan["throttle"] == {"rateLimit": 0.5, "burstLimit": 1}
    assert call(api, key, 2) == [200, 429]  # the new bucket: one token, half a token a second


def test_update_usage_plan_as_aws_answers_it(aws, sandbox):
    # AWS-recorded: LocalStack's test_apigateway_common.py::TestUsagePlans::test_usage_plan_crud.
    api, key = _keyed_api(aws, sandbox)
    plan_id = plan_of(api)
    plan = api.client.update_usage_plan(usagePlanId=plan_id, patchOperations=[
        {"op": "replace", "path": "/throttle/burstLimit", "value": "100"},
        {"op": "replace", "path": "/throttle/rateLimit", "value": "200"},
        {"op": "replace", "path": "/quota/period", "value": "MONTH"},
        {"op": "replace", "path": "/quota/limit", "value": "5000"}])
    assert plan["quota"] == {"limit": 5000, "offset": 0, "period": "MONTH"}
    assert plan["throttle"] == {"burstLimit": 100, "rateLimit": 200.0}

    def refused(value=None):
        operation = {"op": "remove", "path": "/apiStages"} | ({"value": value} if value is not None else {})
        with pytest.raises(ClientError) as caught:
            api.client.update_usage_plan(usagePlanId=plan_id, patchOperations=[operation])
        error = caught.value.response
        return error["ResponseMetadata"]["HTTPStatusCode"], error["Error"]["Code"], error["Error"]["Message"]

    assert refused() == (400, "BadRequestException", "Invalid API Stage specified")
    assert refused("fakevalue") == (400, "BadRequestException", "Invalid API Stage specified")
    assert refused(f"{api.id}b:prod") == (
        404, "NotFoundException",
        f"Invalid API Stage {{api: {api.id}b, stage: prod}} specified for usageplan {plan_id}")
    assert refused(f"{api.id}:fakestagename") == (
        404, "NotFoundException",
        f"Invalid API Stage {{api: {api.id}, stage: fakestagename}} specified for usageplan {plan_id}")
    assert api.client.get_usage_plan(usagePlanId=plan_id)["apiStages"] == [{"apiId": api.id, "stage": "prod"}]
