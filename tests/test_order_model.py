"""The order model keeps every accepted order inside AWS's limits, and says why it refuses one.

Through the REST API on a sandbox: the biggest order the model accepts runs through the real
workflow with its state data far below Step Functions' 256 KiB; a 2,000-item order, a userId
holding a lone surrogate and an unknown field are refused with a 400 that names the problem.
"""
from __future__ import annotations

import json

import pytest
import requests

import lab_helpers as lab
from lab_helpers.apigateway import MAX_ID_LENGTH, MAX_ITEMS, MAX_QUANTITY

PREFIX = "model"
STATE_LIMIT_BYTES = 256 * 1024


@pytest.fixture(scope="module")
def ws(lab_env):
    return lab.ensure_workshop(upto=5)


def post_text(ws, text: str) -> lab.HttpResult:
    answer = requests.post(f"{ws.api_url}/orders", data=text.encode("utf-8"),
                           headers={"Content-Type": "application/json"}, timeout=30)
    return lab.HttpResult(answer.status_code, answer.json(), dict(answer.headers))


def largest_order(order_id: str) -> dict:
    """Every field at its longest, in characters that take the most bytes (3 in UTF-8, 6 escaped)."""
    return {"orderId": order_id.ljust(80, "x"), "userId": "u" * MAX_ID_LENGTH,
            "items": [{"productId": f"{i:03d}" + "東" * (MAX_ID_LENGTH - 3), "quantity": MAX_QUANTITY}
                      for i in range(MAX_ITEMS)]}


def test_the_largest_accepted_order_stays_far_inside_the_state_limit(ws):
    order = largest_order("largest")
    answer = lab.post_json(f"{ws.api_url}/orders", order)
    assert answer.status == 200, answer.body
    execution = lab.wait_for_execution(answer.body["executionArn"])
    assert execution["status"] == "SUCCEEDED"
    assert execution["output"]["status"] == "rejected"  # unknown products, after the inventory check
    events = lab.client("stepfunctions").get_execution_history(
        executionArn=answer.body["executionArn"], maxResults=1000)["events"]
    sizes = [len(details[key].encode("utf-8")) for event in events for name, details in event.items()
             if name.endswith("EventDetails") for key in ("input", "output") if key in details]
    assert "CheckInventory" in {d.get("name") for e in events for d in e.values() if isinstance(d, dict)}
    assert max(sizes) < STATE_LIMIT_BYTES / 2, max(sizes)  # the inventory answer echoes every item


def test_an_order_of_2000_items_is_refused_with_the_reason(ws):
    order = {"orderId": "too-many", "userId": "validuser456",
             "items": [{"productId": "prod-1", "quantity": 1}] * 2000}
    answer = lab.post_json(f"{ws.api_url}/orders", order)
    assert answer.status == 400
    too_long = f"[array is too long: must have at most {MAX_ITEMS} elements but instance has 2000 elements]"
    assert answer.body == {"message": "Invalid request body", "problems": too_long}
    assert lab.get(f"{ws.api_url}/orders/too-many/status").status == 404  # nothing started


def test_a_user_id_with_a_lone_surrogate_is_refused(ws):
    text = '{"orderId": "surrogate-1", "userId": "ab\\ud800", "items": [{"productId": "prod-1", "quantity": 1}]}'
    answer = post_text(ws, text)
    assert answer.status == 400
    assert "does not match input string" in answer.body["problems"]
    assert lab.get(f"{ws.api_url}/orders/surrogate-1/status").status == 404


@pytest.mark.parametrize("change, words", [
    ({"items": [{"productId": "prod-1", "quantity": 0}]}, "lower than the required minimum (minimum: 1, found: 0)"),
    ({"items": [{"productId": "prod-1", "quantity": MAX_QUANTITY + 1}]}, "greater than the required maximum"),
    ({"items": []}, "array is too short"),
    ({"note": "x" * 100_000}, 'not allowed by the schema: ["note"]'),
    ({"userId": "has space"}, "does not match input string \"has space\""),
    ({"items": [{"productId": "prod-1"}]}, 'object has missing required properties (["quantity"])'),
])
def test_each_refusal_names_its_problem_in_valid_json(ws, change, words):
    order = {"orderId": "refused-1", "userId": "validuser456",
             "items": [{"productId": "prod-1", "quantity": 1}]} | change
    answer = lab.post_json(f"{ws.api_url}/orders", order)
    assert answer.status == 400 and isinstance(answer.body, dict), answer.body  # JSON, even with quotes inside
    assert words in answer.body["problems"]


def test_the_model_accepts_what_the_workshop_sends(ws):
    tricky = {"orderId": "order-quote-m", "userId": "o'brien",
              "items": [{"productId": "café \"n°1\" 東京", "quantity": 1}]}
    assert lab.post_json(f"{ws.api_url}/orders", tricky).status == 200
    assert json.loads(json.dumps(lab.ORDER_MODEL)) == lab.ORDER_MODEL  # plain JSON, as CreateModel takes it
