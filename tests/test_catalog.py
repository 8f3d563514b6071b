"""Notebook 10's catalogue end to end: Lambda proxy integrations, API keys, usage plans, throttling,
quotas and GetUsage, through lab_helpers on a sandbox."""
from __future__ import annotations

import pandas as pd
import pytest

import lab_helpers as lab

PREFIX = "e2ec"


@pytest.fixture(scope="module")
def catalog(lab_env):
    ws = lab.ensure_workshop(upto=2)
    return lab.ensure_catalog_api(ws.roles[f"{PREFIX}-lambda-role"])


def test_products_through_a_proxy_integration_need_a_key(catalog):
    listing = lab.get(f"{catalog.url}/products", headers=catalog.headers("basic"))
    assert listing.status == 200 and listing.body["count"] == 3
    assert lab.get(f"{catalog.url}/products/prod-2", headers=catalog.headers("basic")).body["price"] == "15.50"
    assert lab.get(f"{catalog.url}/products/nope", headers=catalog.headers("basic")).status == 404
    assert lab.get(f"{catalog.url}/products").status == 403
    assert lab.get(f"{catalog.url}/products", headers={"x-api-key": "not-a-key-0123456789abcdef"}).status == 403


def test_the_echo_shows_the_proxy_event(catalog):
    event = lab.get(f"{catalog.url}/echo?a=1&a=2", headers={"X-Demo": "v"}).body
    assert event["queryStringParameters"] == {"a": "2"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}
    assert event["requestContext"]["resourcePath"] == "/echo" and event["body"] is None


@pytest.mark.parametrize("shape, status", [("no-envelope", 502), ("body-not-a-string", 502),
                                           ("multi-header-not-a-list", 502), ("status-not-a-number", 502),
                                           ("loose-but-valid", 201), ("base64-body", 200)])
def test_malformed_proxy_answers_are_502(catalog, shape, status):
    assert lab.get(f"{catalog.url}/echo?shape={shape}").status == status


def test_a_burst_beyond_the_bucket_is_throttled_and_not_counted(catalog):
    before = lab.usage_table(catalog).set_index("plan").loc["basic", "used"]
    calls = lab.concurrent_calls(f"{catalog.url}/products", headers=catalog.headers("basic"), count=30, workers=6)
    passed = int((calls["status"] == 200).sum())
    elapsed = calls["t"].max()
    assert set(calls["status"]) <= {200, 429} and passed >= 1
    assert passed <= 5 + 10 * (elapsed + 0.5)  # burst + rate x time, however fast the requests went
    if elapsed < 2:  # 30 requests in under 2 s is above 10/s with a burst of 5: some must be refused
        assert 429 in set(calls["status"])
    assert set(calls.loc[calls["status"] == 429, "error_type"]) <= {"TooManyRequestsException"}
    after = lab.usage_table(catalog).set_index("plan").loc["basic", "used"]
    assert after - before == passed  # GetUsage counts what got through


def test_the_trial_quota_is_five_a_day_and_update_usage_gives_it_back(catalog):
    apigw = lab.client("apigateway")
    apigw.update_usage(usagePlanId=catalog.plan_ids["trial"], keyId=catalog.key_ids["trial"],
                       patchOperations=[{"op": "replace", "path": "/remaining", "value": "5"}])
    calls = lab.paced_calls(f"{catalog.url}/products", headers=catalog.headers("trial"), rate=50, count=7)
    assert calls["status"].tolist() == [200] * 5 + [429] * 2
    assert set(calls["message"].dropna()) == {"Limit Exceeded"}
    assert lab.usage_table(catalog).set_index("plan").loc["trial", "remaining"] == 0


def test_the_token_bucket_model():
    model = lab.token_bucket([0.0, 0.0, 0.0, 0.05, 0.1, 0.35], rate=10, burst=2)
    assert model["allowed"].tolist() == [True, True, False, False, True, True]
    assert lab.per_interval(pd.DataFrame({"t": [0.01, 0.05, 0.12], "status": [200, 429, 200]})).to_dict() == {
        200: {0.0: 1, 0.1: 1}, 429: {0.0: 1, 0.1: 0}}


def test_the_same_route_as_an_http_api(catalog):
    http_api = lab.ensure_products_http_api()
    again = lab.ensure_products_http_api()
    assert again == http_api
    listing = lab.get(f"{http_api['url']}/products")
    assert listing.status == 200 and listing.body["count"] == 3
    assert lab.get(f"{http_api['url']}/products/prod-1").body["price"] == "29.99"
    assert lab.get(f"{http_api['url']}/products/nope").status == 404
    assert lab.get(f"{http_api['url']}/nothing").status == 404


def test_ensure_is_idempotent_and_cleanup_removes_the_catalogue(catalog):
    again = lab.ensure_catalog_api(lab.ensure_workshop(upto=1).roles[f"{PREFIX}-lambda-role"])
    assert (again.api_id, again.plan_ids, again.key_values) == (catalog.api_id, catalog.plan_ids, catalog.key_values)
    deleted = set(lab.delete_everything())
    assert {f"REST API {PREFIX}-catalog-api", f"usage plan {PREFIX}-catalog-trial", f"API key {PREFIX}-catalog-basic",
            f"function {PREFIX}-products-service", f"function {PREFIX}-proxy-echo",
            f"HTTP API {PREFIX}-catalog-http-api"} <= deleted



def test_a_plan_changed_by_hand_is_brought_back(lab_env):
    ws = lab.ensure_workshop(upto=1)
    catalog = lab.ensure_catalog_api(ws.roles[f"{PREFIX}-lambda-role"])
    apigw = lab.client("apigateway")
    apigw.update_usage_plan(usagePlanId=catalog.plan_ids["basic"], patchOperations=[
        {"op": "replace", "path": "/throttle/rateLimit", "value": "2.5"},
        {"op": "replace", "path": "/quota/limit", "value": "7"}])
    lab.ensure_catalog_api(ws.roles[f"{PREFIX}-lambda-role"])
    plan = apigw.get_usage_plan(usagePlanId=catalog.plan_ids["basic"])
    assert plan["throttle"] == {"rateLimit": 10.0, "burstLimit": 5}
    assert (plan["quota"]["limit"], plan["quota"]["period"]) == (10000, "MONTH")
    lab.delete_everything()
