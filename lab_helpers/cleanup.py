"""Delete every workshop resource of one prefix, in dependency order, reporting what went."""
from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from .backend import client
from .config import Names, names
from .apigateway import find_rest_api
from .callbacks import delete_api_workflows
from .catalog import delete_catalog_api
from .quotes import delete_quote_service
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
    delete_quote_service(n, lambda what, call: _delete(what, call, deleted))  # notebook 08
    delete_api_workflows(n, lambda what, call: _delete(what, call, deleted))  # notebook 09
    delete_catalog_api(n, lambda what, call: _delete(what, call, deleted))  # notebook 10
    _delete_saga(n, deleted)
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
    for role in (n.apigateway_role, n.states_role, n.lambda_role, n.quote_apigateway_role, n.quote_states_role,
                 n.approvals_apigateway_role):
        _delete(f"role {role}", lambda r=role: _delete_role(r), deleted)
    return deleted


def _delete_role(name: str) -> None:
    iam = client("iam")
    for policy_name in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=name, PolicyName=policy_name)
    for attached in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=name, PolicyArn=attached["PolicyArn"])
    iam.delete_role(RoleName=name)


def _delete_saga(n: Names, deleted: list[str]) -> None:
    """What notebook 07 adds: the saga workflow, its services, tables, roles and notifications."""
    from .saga import SERVICES, saga_table_keys

    demo = find_state_machine(n.catch_limits_machine)
    if demo:
        _delete(f"state machine {n.catch_limits_machine}",
                lambda: client("stepfunctions").delete_state_machine(stateMachineArn=demo), deleted)
    machine = find_state_machine(n.order_saga)
    if machine:
        sfn = client("stepfunctions")
        for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine, statusFilter="RUNNING"):
            for execution in page["executions"]:
                _delete(f"execution {execution['name']} (stopped)",
                        lambda arn=execution["executionArn"]: sfn.stop_execution(executionArn=arn), deleted)
        _delete(f"state machine {n.order_saga}", lambda: sfn.delete_state_machine(stateMachineArn=machine), deleted)
    lam = client("lambda")
    for function in (n.service(s) for s in SERVICES):
        _delete(f"function {function}", lambda f=function: lam.delete_function(FunctionName=f), deleted)
    events, sqs = client("events"), client("sqs")
    _delete(f"rule {n.notifications_rule}", lambda: (
        events.remove_targets(Rule=n.notifications_rule, EventBusName=n.event_bus, Ids=["notifications-queue"]),
        events.delete_rule(Name=n.notifications_rule, EventBusName=n.event_bus)), deleted)
    _delete(f"event bus {n.event_bus}", lambda: (events.describe_event_bus(Name=n.event_bus),  # gone: raises
                                                 events.delete_event_bus(Name=n.event_bus)), deleted)
    try:
        queue_url = sqs.get_queue_url(QueueName=n.notifications_queue)["QueueUrl"]
        _delete(f"queue {n.notifications_queue}", lambda: sqs.delete_queue(QueueUrl=queue_url), deleted)
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
            raise
    dynamodb = client("dynamodb")
    for table in saga_table_keys(n):
        _delete(f"table {table}", lambda t=table: dynamodb.delete_table(TableName=t), deleted)
    for role in (n.saga_states_role, n.saga_lambda_role):
        _delete(f"role {role}", lambda r=role: _delete_role(r), deleted)
