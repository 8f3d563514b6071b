"""End to end, as a client sees it: the recipe's own test requests through the REST API on a sandbox."""
from __future__ import annotations

import json
import time

import pytest

import lab_helpers as lab

PREFIX = "e2e"


@pytest.fixture(scope="module")
def ws(lab_env):
    return lab.ensure_workshop(upto=5)


def order(order_id: str, user_id: str = "validuser456", items=None) -> dict:
    return {"orderId": order_id, "userId": user_id, "items": items or [{"productId": "prod-1", "quantity": 2}]}


def status_when_done(ws, order_id: str, timeout: float = 60.0) -> dict:
    """Poll GET /status until the order has a final status (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = lab.get(f"{ws.api_url}/orders/{order_id}/status")
        if answer.status == 200 and answer.body["status"] in ("completed", "rejected", "failed"):
            return answer.body
        time.sleep(0.05)
    raise AssertionError(f"{order_id} has no final status after {timeout} s: {answer.status} {answer.body}")


def audit_record(audit_id: str, timeout: float = 20.0) -> dict:
    """The audit item, once written: the workflow writes it in a Parallel branch beside the order's
    status, so it can land just after the status a test has already read (bounded poll)."""
    deadline = time.monotonic() + timeout
    while (item := lab.get_item(f"{PREFIX}-audit", {"auditId": audit_id})) is None:
        if time.monotonic() > deadline:
            raise AssertionError(f"no audit record {audit_id} after {timeout} s")
        time.sleep(0.05)
    return item


def test_recipe_valid_order_completes_with_a_computed_total(ws):
    answer = lab.post_json(f"{ws.api_url}/orders", order("order-success-123"))
    assert answer.status == 200
    assert answer.body["orderId"] == "order-success-123"
    assert answer.body["executionArn"].endswith(":execution:e2e-order-workflow:order-success-123")
    assert status_when_done(ws, "order-success-123") == {"orderId": "order-success-123", "status": "completed",
                                                          "orderTotal": 59.98}
    assert lab.get_item(f"{PREFIX}-reservations", {"orderId": "order-success-123"})["status"] == "reserved"
    assert audit_record("order-success-123-created")["action"] == "order_created"


def test_recipe_invalid_user_is_rejected_and_recorded(ws):
    assert lab.post_json(f"{ws.api_url}/orders", order("order-fail-123", user_id="xx")).status == 200
    assert status_when_done(ws, "order-fail-123") == {"orderId": "order-fail-123", "status": "rejected",
                                                       "reason": "User validation failed", "orderTotal": None}
    audit = audit_record("order-fail-123-rejected")
    assert audit["action"] == "order_rejected"


def test_insufficient_inventory_is_rejected(ws):
    lab.post_json(f"{ws.api_url}/orders", order("order-big", items=[{"productId": "prod-3", "quantity": 1}]))
    assert status_when_done(ws, "order-big")["reason"] == "Insufficient inventory"


def test_apostrophes_and_unicode_start_a_workflow(ws):
    body = order("order-quote", user_id="o'brien", items=[{"productId": "café \"n°1\" \\ 東京", "quantity": 1}])
    answer = lab.post_json(f"{ws.api_url}/orders", body)
    assert answer.status == 200, answer.body
    execution = lab.wait_for_execution(answer.body["executionArn"])
    assert json.loads(execution["input"]) == body
    assert status_when_done(ws, "order-quote")["status"] == "rejected"


def test_a_repeated_order_never_starts_a_second_workflow(ws):
    first = lab.post_json(f"{ws.api_url}/orders", order("order-twice"))
    status_when_done(ws, "order-twice")
    # The status is written a state before the execution ends; a repeat while it still runs is
    # answered idempotently (200, as on AWS), so wait for the end before repeating.
    lab.wait_for_execution(first.body["executionArn"])
    again = lab.post_json(f"{ws.api_url}/orders", order("order-twice"))
    assert again.status == 409
    assert again.body == {"message": "An order with this orderId was already submitted", "orderId": "order-twice"}
    executions = lab.client("stepfunctions").list_executions(stateMachineArn=ws.state_machine_arn)["executions"]
    assert [e["executionArn"] for e in executions if e["name"] == "order-twice"] == [first.body["executionArn"]]


@pytest.mark.parametrize("body", [
    {"userId": "u123", "items": [{"productId": "prod-1", "quantity": 1}]},
    {"orderId": "o-1", "userId": "u123", "items": []},
    {"orderId": "o-1", "userId": "u123", "items": [{"productId": "prod-1", "quantity": 0}]},
    {"orderId": "o-1", "userId": "u123", "items": [{"productId": "prod-1", "quantity": "2"}]},
    {"orderId": "has space", "userId": "u123", "items": [{"productId": "prod-1", "quantity": 1}]},
])
def test_malformed_orders_get_400_and_start_nothing(ws, body):
    answer = lab.post_json(f"{ws.api_url}/orders", body)
    assert answer.status == 400
    assert "message" in answer.body
    assert lab.get(f"{ws.api_url}/orders/o-1/status").status == 404


def test_unknown_order_is_404(ws):
    answer = lab.get(f"{ws.api_url}/orders/no-such-order/status")
    assert answer.status == 404
    assert answer.body == {"message": "Order not found", "orderId": "no-such-order"}


def test_a_failing_service_is_recorded_as_failed(ws):
    # Break the inventory service's configuration: its DynamoDB read now fails.
    n = lab.names()
    lab.ensure_function(n.inventory_service, source_dir="inventory_service", role_arn=ws.roles[n.lambda_role],
                        env={"PRODUCTS_TABLE": "no-such-table"})
    try:
        answer = lab.post_json(f"{ws.api_url}/orders", order("order-broken"))
        execution = lab.wait_for_execution(answer.body["executionArn"])
        assert execution["status"] == "FAILED"
        recorded = status_when_done(ws, "order-broken")
        assert recorded["status"] == "failed" and recorded["reason"]
        assert audit_record("order-broken-failed")["action"] == "order_failed"
    finally:
        lab.ensure_workshop_functions(ws.roles[n.lambda_role])


# --- the order form of notebook 06 -------------------------------------------------------------

def test_order_form_default_places_the_order_once(ws):
    form = lab.OrderForm(ws.api_url, order_id="order-form-default", product="prod-2", quantity=3)
    first = form.place()
    assert first.post.status == 200
    assert first.get.body == {"orderId": "order-form-default", "status": "completed", "orderTotal": 46.5}
    again = form.place()  # a re-run of the notebook: 409, and the status is still shown
    assert again.post.status == 409 and again.get.body == first.get.body
    assert "→ 409" in form.result.value and "completed" in form.result.value


def test_order_form_button_sends_what_the_fields_say(ws):
    form = lab.OrderForm(ws.api_url)
    form.order_id.value, form.user_id.value = "order-form-click", "xx"
    form.product.value, form.quantity.value = "prod-1", 2
    form.button.click()  # runs the on_click callback, as pressing the button does
    assert "→ 200" in form.result.value
    assert "rejected" in form.result.value and "User validation failed" in form.result.value
    assert status_when_done(ws, "order-form-click")["status"] == "rejected"


def test_order_form_refuses_what_the_api_would_refuse_and_escapes_it(ws):
    form = lab.OrderForm(ws.api_url, order_id="<b>bad id</b>")
    form.button.click()
    assert "Not sent" in form.result.value and "does not match" in form.result.value
    assert "<b>" not in form.result.value and "&lt;b&gt;" in form.result.value
    assert "POST" not in form.result.value and "GET" not in form.result.value


def test_order_form_refuses_a_quantity_of_0_with_the_reason(ws):
    form = lab.OrderForm(ws.api_url, order_id="order-form-zero")
    form.quantity.value = 0
    placed = form.place()
    assert placed.post is None and placed.problems == ["items/0/quantity: 0 is less than the minimum of 1"]
    assert "0 is less than the minimum of 1" in form.result.value
    assert lab.get(f"{ws.api_url}/orders/order-form-zero/status").status == 404  # not sent as 1
    # the API itself refuses the same body, for the same reason
    answer = lab.post_json(f"{ws.api_url}/orders", form.order())
    assert answer.status == 400 and "minimum: 1, found: 0" in answer.body["problems"]


def test_order_form_says_to_rerun_the_cell_when_the_page_lost_its_widgets(ws):
    bundle = lab.OrderForm(ws.api_url)._repr_mimebundle_()
    assert "run this cell again" in bundle["text/plain"]


def test_order_form_shows_errors_instead_of_losing_them(ws):
    form = lab.OrderForm("http://127.0.0.1:9/unreachable")
    form.button.click()
    assert "Could not place the order: ConnectionError" in form.result.value
