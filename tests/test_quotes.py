"""Notebook 08's quote service end to end: POST /quotes -> StartSyncExecution of an Express workflow,
metered and audited once per call, refusals as 4xx, and the execution's log in CloudWatch Logs."""
from __future__ import annotations

import pytest

import lab_helpers as lab

PREFIX = "e2eq"
REQUEST = {"userId": "user456", "country": "DE",
           "items": [{"productId": "prod-1", "quantity": 2}, {"productId": "prod-2", "quantity": 1}]}


@pytest.fixture(scope="module")
def quotes(lab_env):
    ws = lab.ensure_workshop(upto=3)
    return lab.ensure_quote_service(ws.roles[f"{PREFIX}-lambda-role"])


def post(quotes, body, consumer="acme"):
    return lab.post_json(f"{quotes.url}/quotes", body, headers=quotes.headers(consumer) if consumer else None)


def test_a_quote_is_composed_from_the_three_services(quotes):
    answer = post(quotes, REQUEST)
    assert answer.status == 200
    assert {k: answer.body[k] for k in ("itemsTotal", "shippingCost", "deliveryDays", "total")} == {
        "itemsTotal": "75.48", "shippingCost": "6.40", "deliveryDays": 2, "total": "81.88"}


@pytest.mark.parametrize("change, error", [
    ({"userId": "x"}, "UserNotValid"),
    ({"items": [{"productId": "prod-3", "quantity": 1}]}, "OutOfStock"),
    ({"country": "BR"}, "NotDeliverable"),
])
def test_a_refused_quote_is_a_422_naming_the_rule_never_a_200(quotes, change, error):
    answer = post(quotes, {**REQUEST, **change}, consumer="globex")
    assert answer.status == 422
    assert answer.body["error"] == error and answer.body["message"]


def test_a_failed_service_is_a_502(quotes, aws):
    # A shipping service that raises: the workflow catches it, meters the call as 502, and fails.
    lam = aws("lambda")
    name = f"{PREFIX}-shipping-quote-service"
    try:
        lam.update_function_configuration(FunctionName=name, Handler="missing.handler")
        lam.get_waiter("function_updated_v2").wait(FunctionName=name)
        answer = post(quotes, REQUEST)
        assert answer.status == 502 and answer.body["message"] == "The quote service failed"
        [record] = lab.metering_records([answer.body["requestId"]]).to_dict("records")
        assert record["status"] == 502
    finally:
        lam.update_function_configuration(FunctionName=name, Handler="handler.lambda_handler")
        lam.get_waiter("function_updated_v2").wait(FunctionName=name)


def test_calls_without_a_key_or_with_a_bad_body_never_reach_the_workflow(quotes):
    before = len(lab.metering_records())
    assert post(quotes, REQUEST, consumer=None).status == 403
    assert post(quotes, {"userId": "user456"}).status == 400
    assert len(lab.metering_records()) == before


def test_every_call_that_reaches_the_workflow_is_metered_and_audited_exactly_once(quotes):
    before = len(lab.metering_records())
    reached = [lab.request_id_of(post(quotes, body, consumer)) for consumer, body in lab.sample_requests(12)]
    records = lab.metering_records(reached)
    assert len(records) == 12 and set(records["requestId"]) == set(reached)
    assert len(lab.metering_records()) - before == 12
    report = lab.usage_report(records, quotes.consumer_ids)
    assert report["calls"].to_dict() == {"acme": 6, "globex": 6}
    assert report.loc["acme", "errors"] == 0 and report.loc["globex", "errors"] == 4
    assert (records["billed_ms"] % 100 == 0).all() and (records["latency_ms"] >= 0).all()
    audit = {item["auditId"]: item for item in lab.scan_items(f"{PREFIX}-audit")}
    assert all(audit[f"quote-{r}"]["consumer"] in quotes.consumer_ids for r in reached)


def test_the_express_execution_is_in_its_log_group(quotes):
    answer = post(quotes, REQUEST)
    log = lab.execution_log(quotes.log_group, answer.body["quoteId"])
    assert log["type"].iloc[0] == "ExecutionStarted" and log["type"].iloc[-1] == "ExecutionSucceeded"
    assert {"GetUser", "PriceItems", "EstimateShipping", "Meter", "Audit", "Quoted"} <= set(log["state"])


def test_the_same_workflow_as_standard_and_as_express(quotes):
    _, express = lab.time_express(quotes.express_arn, REQUEST, "test")
    _, standard = lab.time_standard(quotes.standard_arn, REQUEST, "test")
    assert express["status"] == standard["status"] == "SUCCEEDED"
    assert express["billingDetails"]["billedDurationInMilliseconds"] % 100 == 0
    assert lab.state_transitions(lab.history_events(standard["executionArn"])) == 12


def test_ensure_is_idempotent_and_cleanup_removes_the_quote_service(quotes):
    again = lab.ensure_quote_service(lab.ensure_workshop(upto=1).roles[f"{PREFIX}-lambda-role"])
    assert (again.api_id, again.express_arn, again.api_keys) == (quotes.api_id, quotes.express_arn, quotes.api_keys)
    deleted = lab.delete_everything()
    assert {f"REST API {PREFIX}-quotes-api", f"table {PREFIX}-metering", f"function {PREFIX}-shipping-quote-service",
            f"usage plan {PREFIX}-quotes-plan", f"API key {PREFIX}-acme"} <= set(deleted)
    assert lab.delete_everything() == []
