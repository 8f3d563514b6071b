"""Delete every workshop resource of one prefix, in dependency order, reporting what went."""
from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from .backend import client
from .config import Names, names
from .apigateway import find_rest_api
from .stepfunctions import find_state_machine

GONE = {"NotFoundException", "ResourceNotFoundException", "NoSuchEntity", "StateMachineDoesNotExist"}


def _delete(what: str, call: Any, deleted: list[str]) -> None:
    """Run one delete; a resource that is already gone is fine, any other error is raised."""
    try:
        call()
    except ClientError as error:
        if error.response["Error"]["Code"] in GONE:
            return
        raise
    deleted.append(what)


def delete_everything(prefix: str | None = None) -> list[str]:
    """Delete the API, the state machine (after stopping its running executions), the functions,
    the tables and the roles of ``prefix`` (default: this learner's); return what was deleted.

    >>> lab.delete_everything()
    ['api apicomp-orders-api', 'state machine apicomp-order-workflow', ...]
    """
    n = Names(prefix) if prefix else names()
    deleted: list[str] = []
    api_id = find_rest_api(n.api)
    if api_id:
        _delete(f"api {n.api}", lambda: client("apigateway").delete_rest_api(restApiId=api_id), deleted)
    sfn = client("stepfunctions")
    for machine_name in (n.state_machine, n.state_machine_jsonata):
        machine = find_state_machine(machine_name)
        if not machine:
            continue
        for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine, statusFilter="RUNNING"):
            for execution in page["executions"]:
                _delete(f"execution {execution['name']} (stopped)",
                        lambda arn=execution["executionArn"]: sfn.stop_execution(executionArn=arn), deleted)
        _delete(f"state machine {machine_name}",
                lambda arn=machine: sfn.delete_state_machine(stateMachineArn=arn), deleted)
    lam = client("lambda")
    for function in (n.user_service, n.inventory_service):
        _delete(f"function {function}", lambda f=function: lam.delete_function(FunctionName=f), deleted)
    dynamodb = client("dynamodb")
    for table in (n.orders_table, n.audit_table, n.reservations_table, n.products_table):
        _delete(f"table {table}", lambda t=table: dynamodb.delete_table(TableName=t), deleted)
    for role in (n.apigateway_role, n.states_role, n.lambda_role):
        _delete(f"role {role}", lambda r=role: _delete_role(r), deleted)
    return deleted


def _delete_role(name: str) -> None:
    iam = client("iam")
    for policy_name in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=name, PolicyName=policy_name)
    for attached in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=name, PolicyArn=attached["PolicyArn"])
    iam.delete_role(RoleName=name)
