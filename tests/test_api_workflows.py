"""Notebook 09's workflows end to end: a Request-Response client of the orders API (POST, GET with a
Retry on 404, a 409 and a 400 caught) and a Wait-for-Callback approval through the approvals API."""
from __future__ import annotations

import json
import time
import uuid

import pytest

import lab_helpers as lab

PREFIX = "e2ea"


@pytest.fixture(scope="module")
def ws(lab_env):
    return lab.ensure_workshop(upto=5)


@pytest.fixture(scope="module")
def flows(ws):
    return lab.ensure_api_workflows(orders_api_id=ws.api_id, states_role_arn=ws.roles[f"{PREFIX}-states-role"])


def order(order_id: str) -> dict:
    return {"orderId": order_id, "userId": "user456", "items": [{"productId": "prod-2", "quantity": 2}]}


def test_an_order_placed_before_is_a_caught_409_and_its_status_is_read(ws, flows):
    # Placed through the API first and finished, so the workflow's POST answers 409.
    placed = order(f"order-{uuid.uuid4().hex[:8]}")
    assert lab.post_json(f"{ws.api_url}/orders", placed).status == 200
    lab.wait_for_execution(lab.arn("states", f"execution:{PREFIX}-order-workflow:{placed['orderId']}"))
    again = lab.run_and_wait(flows.client_arn, {"order": placed})
    assert again["status"] == "SUCCEEDED" and again["output"]["placed"] == {"httpStatus": 409}
    assert again["output"]["status"] == {"httpStatus": 200, "status": "completed", "orderTotal": 31.0}


def test_a_new_order_is_placed_then_its_status_asked_for_until_it_is_there(flows):
    # The tests run Retry intervals 100x faster (conftest), so the order may not be saved before the
    # retries run out: then the workflow ends in StatusUnknown, having asked MaxAttempts + 1 times.
    result = lab.run_and_wait(flows.client_arn, {"order": order(f"order-{uuid.uuid4().hex[:8]}")})
    events = lab.client("stepfunctions").get_execution_history(executionArn=result["executionArn"])["events"]
    failures = [e["taskFailedEventDetails"]["error"] for e in events if e["type"] == "TaskFailed"]
    assert set(failures) <= {"ApiGateway.404"}
    if result["status"] == "SUCCEEDED":
        assert result["output"]["placed"]["httpStatus"] == 200 and result["output"]["status"]["status"] == "completed"
    else:
        assert result["error"] == "StatusUnknown" and len(failures) == 5


def test_an_order_the_api_refuses_is_a_caught_400(flows):
    refused = lab.run_and_wait(flows.client_arn, {"order": {"orderId": "x y", "userId": "u", "items": []}})
    assert (refused["status"], refused["error"]) == ("FAILED", "OrderRefused")
    cause = json.loads(refused["cause"])  # the orders API's 400 names what is wrong (notebook 05)
    assert cause["message"] == "Invalid request body" and "does not match input string" in cause["problems"]


def _start_approval(flows, order_id: str, heartbeat: int, timeout: int) -> tuple[str, str]:
    asked = time.time()
    execution = lab.client("stepfunctions").start_execution(stateMachineArn=flows.approval_arn, input=json.dumps(
        {"orderId": order_id, "amount": 100, "heartbeatSeconds": heartbeat, "timeoutSeconds": timeout}))
    request = lab.wait_for_approval_request(order_id, since=asked)
    assert request["status"] == "pending"
    return execution["executionArn"], request["taskToken"]


def test_an_approval_waits_for_send_task_success(flows):
    execution, token = _start_approval(flows, "e2e-approve", 3600, 86400)
    sfn = lab.client("stepfunctions")
    assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
    sfn.send_task_success(taskToken=token, output=json.dumps({"by": "test"}))
    assert lab.wait_for_execution(execution)["output"] == {
        "orderId": "e2e-approve", "outcome": "approved", "by": "test"}


def test_a_refusal_and_a_timeout(flows):
    sfn = lab.client("stepfunctions")
    execution, token = _start_approval(flows, "e2e-refuse", 3600, 86400)
    sfn.send_task_failure(taskToken=token, error="Rejected", cause="no")
    assert lab.wait_for_execution(execution)["output"]["outcome"] == "declined"
    execution, _ = _start_approval(flows, "e2e-timeout", 1, 2)
    assert lab.wait_for_execution(execution)["output"]["error"] == "States.HeartbeatTimeout"


def test_cleanup_stops_waiting_executions_and_removes_everything(flows):
    execution, _ = _start_approval(flows, "e2e-left-waiting", 3600, 86400)
    deleted = set(lab.delete_everything())
    assert {f"REST API {PREFIX}-approvals-api", f"state machine {PREFIX}-approval-workflow",
            f"table {PREFIX}-approvals", f"role {PREFIX}-approvals-apigateway-role"} <= deleted
    assert any(d.startswith("execution ") for d in deleted)
