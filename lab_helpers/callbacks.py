"""Notebook 09: workflows that call API Gateway APIs (``arn:aws:states:::apigateway:invoke``).

- ``api_client_workflow``: a Request-Response client of the orders API (POST /orders, then
  GET /orders/{id}/status, retried while it answers 404; a 409 caught).
- ``approval_workflow``: Wait-for-Callback. It POSTs an approval request with its task token to
  the approvals API, whose backend (a DynamoDB PutItem) stores the token; whoever decides calls
  SendTaskSuccess or SendTaskFailure with it. Heartbeat and timeout come from the input
  (``HeartbeatSecondsPath``, ``TimeoutSecondsPath``).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from . import apigateway
from .apigateway import Method, Response
from .backend import arn, client
from .config import names, settings
from .dynamodb import ensure_table, get_item
from .iam import ensure_role, policy
from .stepfunctions import ensure_state_machine

STAGE = "prod"

STORE_APPROVAL_TEMPLATE = """{
  "TableName": "%(table)s",
  "Item": {
    "orderId": {"S": "$util.escapeJavaScript($input.path('$.orderId'))"},
    "amount": {"N": "$input.path('$.amount')"},
    "taskToken": {"S": "$util.escapeJavaScript($input.path('$.taskToken'))"},
    "status": {"S": "pending"},
    "requestedAt": {"S": "$context.requestTime"}
  }
}"""
APPROVAL_STORED_TEMPLATE = '{"orderId": "$util.escapeJavaScript($input.params(\'orderId\'))", "status": "pending"}'
APPROVAL_REFUSED_TEMPLATE = '{"message": "The approval request is not valid"}'
BACKEND_ERROR_TEMPLATE = '{"message": "The approvals service is unavailable, please retry"}'


def execute_api_endpoint(api_id: str) -> str:
    """What ``ApiEndpoint`` takes: the API's host, without scheme or stage (the same on the sandbox)."""
    return f"{api_id}.execute-api.{settings().region}.amazonaws.com"


def approvals_api_methods(table: str) -> list[Method]:
    """POST /approvals: stores the request, with its task token, in the approvals table."""
    return [Method("/approvals", "POST", "dynamodb:action/PutItem", STORE_APPROVAL_TEMPLATE % {"table": table}, [
        Response("200", '{"status": "pending"}'),
        Response("400", APPROVAL_REFUSED_TEMPLATE, selection_pattern=r"4\d{2}"),
        Response("500", BACKEND_ERROR_TEMPLATE, selection_pattern=r"5\d{2}"),
    ])]


@dataclass
class ApiWorkflows:
    """What ``ensure_api_workflows`` made."""

    client_arn: str
    approval_arn: str
    approvals_api_id: str
    approvals_url: str


def ensure_api_workflows(*, orders_api_id: str, states_role_arn: str) -> ApiWorkflows:
    """Create or update the approvals table and API and both workflows (needs notebook 05's API).

    >>> flows = lab.ensure_api_workflows(orders_api_id=ws.api_id, states_role_arn=ws.roles["apicomp-states-role"])
    """
    n = names()
    ensure_table(n.approvals_table, "orderId")
    role = ensure_role(n.approvals_apigateway_role, "apigateway", inline_policy=policy(
        (["dynamodb:PutItem"], [arn("dynamodb", f"table/{n.approvals_table}")])))
    api_id = apigateway.ensure_rest_api(n.approvals_api, "API composition workshop: approvals (task tokens)")
    methods = approvals_api_methods(n.approvals_table)
    ids = apigateway.ensure_resources(api_id, [m.path for m in methods])
    validator = apigateway.ensure_validator(api_id)
    for method in methods:
        apigateway.ensure_method(apigateway.method_requests(
            api_id, ids[method.path], method, role_arn=role, validator_id=validator))
    client("apigateway").create_deployment(restApiId=api_id, stageName=STAGE,
                                           description="deployed by lab_helpers.ensure_api_workflows")
    client_arn = ensure_state_machine(n.api_client_workflow, asl_file="api_client_workflow.json",
                                      substitutions={"OrdersApiEndpoint": execute_api_endpoint(orders_api_id)},
                                      role_arn=states_role_arn)
    approval_arn = ensure_state_machine(n.approval_workflow, asl_file="approval_workflow.json",
                                        substitutions={"ApprovalsApiEndpoint": execute_api_endpoint(api_id)},
                                        role_arn=states_role_arn)
    return ApiWorkflows(client_arn=client_arn, approval_arn=approval_arn, approvals_api_id=api_id,
                        approvals_url=apigateway.invoke_url(api_id, STAGE))


def wait_for_approval_request(order_id: str, *, since: float, timeout: float = 30.0) -> dict[str, Any]:
    """The approval request the workflow stored for ``order_id`` at or after ``since`` (epoch s)."""
    deadline = time.monotonic() + timeout
    while True:
        item = get_item(names().approvals_table, {"orderId": order_id})
        if item is not None and _epoch(item["requestedAt"]) >= int(since) - 1:
            return item
        if time.monotonic() > deadline:
            raise TimeoutError(f"no approval request for {order_id} after {timeout:.0f} s")
        time.sleep(0.05)


def _epoch(request_time: str) -> float:
    """``$context.requestTime`` (``01/Dec/2026:07:20:51 +0000``) as epoch seconds."""
    import datetime as dt

    return dt.datetime.strptime(request_time, "%d/%b/%Y:%H:%M:%S %z").timestamp()
