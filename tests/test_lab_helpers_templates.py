"""The orders API's mapping templates, rendered by the sandbox's Velocity engine.

These are the recipe's defects 2, 3, 4 and 6 at the template level: each output must be JSON,
carry the body through unchanged whatever characters it holds, and answer 404 / 409 right.
"""
from __future__ import annotations

import json

import pytest

from lab_helpers.apigateway import orders_api_methods
from aws_sandbox.apigateway import vtl
from aws_sandbox.apigateway.vtl import TemplateRequest, render

vtl.install()  # Velocity as API Gateway runs it, as the server installs it

MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:apicomp-order-workflow"
POST, GET = orders_api_methods(MACHINE, "apicomp-orders")


def request(body: str = "", path_params: dict[str, str] | None = None) -> TemplateRequest:
    return TemplateRequest(body=body, path_params=path_params or {}, query={}, headers={},
                           context={}, stage_variables={})


def response_template(method, status: str) -> str:
    return next(r.template for r in method.responses if r.status == status)


RECIPE_ORDER = {"orderId": "order-success-123", "userId": "validuser456",
                "items": [{"productId": "prod-1", "quantity": 2}]}


@pytest.mark.parametrize("user_id", ["validuser456", "o'brien", 'say "hi"', "back\\slash", "Zoë 東京 🚀",
                                     "</script>", "line\nbreak"])
def test_start_execution_request_survives_any_text(user_id):
    order = RECIPE_ORDER | {"userId": user_id}
    rendered = json.loads(render(POST.request_template, request(json.dumps(order))))
    assert rendered["stateMachineArn"] == MACHINE
    assert rendered["name"] == "order-success-123"  # idempotency: the orderId names the execution
    assert json.loads(rendered["input"]) == order


def test_accepted_response_is_valid_json():
    backend = json.dumps({"executionArn": f"{MACHINE.replace('stateMachine', 'execution')}:order-123",
                          "startDate": 1.7e9})
    context = request(backend)
    answer = json.loads(render(response_template(POST, "200"), context))
    execution_arn = "arn:aws:states:us-east-1:123456789012:execution:apicomp-order-workflow:order-123"
    assert answer == {"orderId": "order-123", "executionArn": execution_arn}


def test_repeated_order_is_a_409_naming_the_order():
    error = {"__type": "ExecutionAlreadyExists",
             "message": "Execution Already Exists: 'arn:aws:states:us-east-1:123456789012:execution:m:order-9'"}
    context = request(json.dumps(error))
    answer = json.loads(render(response_template(POST, "409"), context))
    assert answer["orderId"] == "order-9" and "already" in answer["message"]
    assert context.context["responseOverride"].get("status") in (None, "")


def test_other_client_errors_become_400():
    context = request(json.dumps({"__type": "InvalidExecutionInput", "message": "bad"}))
    answer = json.loads(render(response_template(POST, "409"), context))
    assert answer["error"] == "InvalidExecutionInput"
    assert str(context.context["responseOverride"]["status"]) == "400"


def test_a_throttled_start_is_a_429_so_clients_retry():
    # Step Functions answers ThrottlingException with HTTP 400, like its other client errors.
    context = request(json.dumps({"__type": "com.amazonaws.swf.service.v2.model#ThrottlingException",
                                  "message": "Rate exceeded"}))
    answer = json.loads(render(response_template(POST, "409"), context))
    assert answer == {"message": "Too many orders at once, please retry", "error": "ThrottlingException"}
    assert str(context.context["responseOverride"]["status"]) == "429"


@pytest.mark.parametrize("order_id", ["order-123", "o'neil", 'q"uote'])
def test_get_item_request(order_id):
    rendered = json.loads(render(GET.request_template, request(path_params={"orderId": order_id})))
    assert rendered == {"TableName": "apicomp-orders", "Key": {"orderId": {"S": order_id}}, "ConsistentRead": True}


def test_status_of_a_completed_order():
    item = {"Item": {"orderId": {"S": "order-123"}, "status": {"S": "completed"}, "orderTotal": {"N": "59.98"}}}
    context = request(json.dumps(item), {"orderId": "order-123"})
    answer = json.loads(render(response_template(GET, "200"), context))
    assert answer == {"orderId": "order-123", "status": "completed", "orderTotal": 59.98}


def test_status_of_a_rejected_order_has_its_reason():
    item = {"Item": {"orderId": {"S": "order-fail-123"}, "status": {"S": "rejected"},
                     "reason": {"S": "User validation failed"}}}
    answer = json.loads(render(response_template(GET, "200"), request(json.dumps(item), {"orderId": "x"})))
    assert answer == {"orderId": "order-fail-123", "status": "rejected", "reason": "User validation failed",
                      "orderTotal": None}


def test_unknown_order_is_404():
    context = request("{}", {"orderId": "o'neil"})
    answer = json.loads(render(response_template(GET, "200"), context))
    assert answer == {"message": "Order not found", "orderId": "o'neil"}
    assert str(context.context["responseOverride"]["status"]) == "404"
