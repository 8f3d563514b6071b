"""State machines from ``asl/*.json``: placeholders filled in, created or updated, run and inspected."""
from __future__ import annotations

import json
import re
import time
from typing import Any

import pandas as pd
from botocore.exceptions import ClientError

from .backend import client, tags
from .config import names
from .iam import retry_while_role_propagates
from .paths import ASL_DIR

PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9_]*)\}")
FINISHED = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


def load_definition(asl_file: str, substitutions: dict[str, str]) -> dict[str, Any]:
    """Read ``asl/<asl_file>`` and fill in its ``${Placeholders}``; every one must be given.

    >>> lab.load_definition("order_workflow.json", {"UserServiceArn": ..., ...})["StartAt"]
    'ValidateUser'
    """
    path = ASL_DIR / asl_file
    text = path.read_text(encoding="utf-8")
    missing = sorted(set(PLACEHOLDER.findall(text)) - set(substitutions))
    if missing:
        raise KeyError(f"{path.name} needs values for {', '.join(missing)}")
    # json.dumps(...)[1:-1] escapes the value for the inside of a JSON string.
    filled = PLACEHOLDER.sub(lambda m: json.dumps(str(substitutions[m.group(1)]))[1:-1], text)
    return json.loads(filled)


def workflow_substitutions() -> dict[str, str]:
    """The values ``asl/order_workflow.json`` needs, for this learner's resources."""
    n = names()
    lam = client("lambda")
    return {
        "UserServiceArn": lam.get_function_configuration(FunctionName=n.user_service)["FunctionArn"],
        "InventoryServiceArn": lam.get_function_configuration(FunctionName=n.inventory_service)["FunctionArn"],
        "OrdersTable": n.orders_table, "AuditTable": n.audit_table,
        "ReservationsTable": n.reservations_table,
    }


def find_state_machine(name: str) -> str | None:
    """The ARN of the state machine called ``name``, or None."""
    for page in client("stepfunctions").get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            if machine["name"] == name:
                return machine["stateMachineArn"]
    return None


def ensure_state_machine(name: str, *, asl_file: str, substitutions: dict[str, str], role_arn: str,
                         type: str = "STANDARD") -> str:
    """Create the state machine, or update its definition and role; return its ARN.

    >>> lab.ensure_state_machine("apicomp-order-workflow", asl_file="order_workflow.json",
    ...                          substitutions=lab.workflow_substitutions(), role_arn=roles["apicomp-states-role"])
    'arn:aws:states:us-east-1:123456789012:stateMachine:apicomp-order-workflow'
    """
    sfn = client("stepfunctions")
    definition = json.dumps(load_definition(asl_file, substitutions), indent=2)
    existing = find_state_machine(name)
    if existing is None:
        try:
            return retry_while_role_propagates(
                lambda: sfn.create_state_machine(
                    name=name, definition=definition, roleArn=role_arn, type=type,
                    tags=[{"key": k, "value": v} for k, v in tags().items()])["stateMachineArn"],
                code="AccessDeniedException", message="assume")
        except ClientError as error:
            if error.response["Error"]["Code"] != "StateMachineAlreadyExists":
                raise
            existing = find_state_machine(name)
            assert existing is not None
    current = sfn.describe_state_machine(stateMachineArn=existing)
    if current.get("type", "STANDARD") != type:
        raise ValueError(f"{name} is a {current['type']} state machine; delete it to make it {type}")
    if current["definition"] != definition or current["roleArn"] != role_arn:
        sfn.update_state_machine(stateMachineArn=existing, definition=definition, roleArn=role_arn)
    return existing


def ensure_order_workflow(states_role_arn: str) -> str:
    """The order workflow of ``asl/order_workflow.json`` on this learner's services and tables."""
    return ensure_state_machine(names().state_machine, asl_file="order_workflow.json",
                                substitutions=workflow_substitutions(), role_arn=states_role_arn)


def wait_for_execution(execution_arn: str, timeout: float = 60.0) -> dict[str, Any]:
    """Poll until the execution has finished; return its description with ``output`` parsed."""
    sfn = client("stepfunctions")
    deadline = time.monotonic() + timeout
    pause = 0.02
    while True:
        execution = sfn.describe_execution(executionArn=execution_arn)
        if execution["status"] in FINISHED:
            if "output" in execution:
                execution["output"] = json.loads(execution["output"])
            return execution
        if time.monotonic() > deadline:
            raise TimeoutError(f"{execution_arn} still {execution['status']} after {timeout:.0f} s")
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


def run_and_wait(state_machine_arn: str, input: dict[str, Any], *, name: str | None = None,
                 timeout: float = 60.0) -> dict[str, Any]:
    """Start an execution and wait for it to finish; return its description (``output`` parsed).

    >>> lab.run_and_wait(machine_arn, {"orderId": "order-123", "userId": "user456", "items": [...]})["status"]
    'SUCCEEDED'
    """
    extra = {"name": name} if name else {}
    started = client("stepfunctions").start_execution(
        stateMachineArn=state_machine_arn, input=json.dumps(input), **extra)
    return wait_for_execution(started["executionArn"], timeout)


def read_test_state(answer: dict[str, Any]) -> dict[str, Any]:
    """A TestState answer with its JSON text parsed (``output`` and each ``inspectionData``
    step), without the HTTP metadata, so a notebook can show and assert on it.

    >>> lab.read_test_state(sfn.test_state(definition=..., input=..., inspectionLevel="DEBUG"))["status"]
    'SUCCEEDED'
    """
    readable = {key: value for key, value in answer.items() if key != "ResponseMetadata"}
    if "output" in readable:
        readable["output"] = json.loads(readable["output"])
    if "inspectionData" in readable:
        readable["inspectionData"] = {step: json.loads(value) if isinstance(value, str) else value
                                      for step, value in readable["inspectionData"].items()}
    return readable


def _event_step(event: dict[str, Any]) -> str:
    for key, details in event.items():
        if key.endswith("EventDetails") and isinstance(details, dict) and "name" in details:
            return details["name"]
    return ""


def _event_detail(event: dict[str, Any]) -> str:
    for key, details in event.items():
        if key.endswith("EventDetails") and isinstance(details, dict):
            for field in ("error", "resourceType", "resource"):
                if field in details:
                    value = details[field]
                    if field == "resourceType":
                        value = f"{details['resourceType']}:{details.get('resource', '')}"
                    return str(value)
    return ""


def execution_history_table(execution_arn: str) -> pd.DataFrame:
    """An execution's events as a table: id, time since start, type, step, detail.

    >>> lab.execution_history_table(execution["executionArn"]).head()
    """
    sfn = client("stepfunctions")
    events: list[dict[str, Any]] = []
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
        events.extend(page["events"])
    if not events:
        return pd.DataFrame(columns=["id", "elapsed_ms", "type", "step", "detail"])
    start = events[0]["timestamp"]
    return pd.DataFrame([{
        "id": event["id"],
        "elapsed_ms": round((event["timestamp"] - start).total_seconds() * 1000),
        "type": event["type"],
        "step": _event_step(event),
        "detail": _event_detail(event),
    } for event in events]).set_index("id")


def list_executions_table(state_machine_arn: str, max_results: int = 10) -> pd.DataFrame:
    """The most recent executions of a state machine: name, status, start and stop times."""
    answer = client("stepfunctions").list_executions(stateMachineArn=state_machine_arn,
                                                     maxResults=max_results)
    return pd.DataFrame([{
        "name": e["name"], "status": e["status"], "startDate": e["startDate"], "stopDate": e.get("stopDate"),
    } for e in answer["executions"]], columns=["name", "status", "startDate", "stopDate"])
