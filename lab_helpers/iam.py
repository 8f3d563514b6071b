"""IAM roles, created or brought up to date, with policies scoped to the workshop's resources.

The recipe gave API Gateway ``AWSStepFunctionsFullAccess`` (every state machine in the
account, including deleting them). Here each role gets only the actions it uses on the
resources it uses: see the ``*_policy`` functions.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from .backend import arn, client, tags
from .config import names

T = TypeVar("T")
BASIC_EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def trust_policy(service: str) -> dict[str, Any]:
    """The trust policy letting one AWS service (``lambda``, ``states``, ``apigateway``) assume a role."""
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": f"{service}.amazonaws.com"},
        "Action": "sts:AssumeRole"}]}


def policy(*statements: tuple[list[str], list[str]]) -> dict[str, Any]:
    """A policy document from (actions, resources) pairs."""
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": actions, "Resource": resources} for actions, resources in statements]}


def ensure_role(name: str, trusted_service: str, *, inline_policy: dict[str, Any] | None = None,
                managed_policy_arns: list[str] | None = None, iam: Any = None) -> str:
    """Create the role or bring its trust, inline policy and managed policies up to date; return its ARN.

    >>> lab.ensure_role("apicomp-lambda-role", "lambda", managed_policy_arns=[lab.BASIC_EXECUTION_POLICY])
    'arn:aws:iam::123456789012:role/apicomp-lambda-role'
    """
    iam = iam or client("iam")
    trust = json.dumps(trust_policy(trusted_service))
    try:
        role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust,
                               Description="API composition workshop",
                               Tags=[{"Key": k, "Value": v} for k, v in tags().items()])["Role"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
        role = iam.get_role(RoleName=name)["Role"]
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=trust)
    if inline_policy is not None:
        iam.put_role_policy(RoleName=name, PolicyName=f"{name}-policy",
                            PolicyDocument=json.dumps(inline_policy))
    wanted = set(managed_policy_arns or [])
    attached = {p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]}
    for policy_arn in sorted(wanted - attached):
        iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
    for policy_arn in sorted(attached - wanted):
        iam.detach_role_policy(RoleName=name, PolicyArn=policy_arn)
    return role["Arn"]


def role_policy(role_name: str) -> dict[str, Any]:
    """The inline policy document of a workshop role (to look at it in a notebook)."""
    document = client("iam").get_role_policy(RoleName=role_name, PolicyName=f"{role_name}-policy")
    body = document["PolicyDocument"]
    return json.loads(body) if isinstance(body, str) else body


def lambda_policy() -> dict[str, Any]:
    """Lambda services: read the products table, nothing else (logs come from the managed policy)."""
    n = names()
    return policy((["dynamodb:GetItem"], [arn("dynamodb", f"table/{n.products_table}")]))


def states_policy() -> dict[str, Any]:
    """The workflow: invoke the two services, write the three tables it records into."""
    n = names()
    functions = [arn("lambda", f"function:{f}") for f in (n.user_service, n.inventory_service)]
    tables = [arn("dynamodb", f"table/{t}") for t in (n.orders_table, n.audit_table, n.reservations_table)]
    return policy((["lambda:InvokeFunction"], functions + [f"{f}:*" for f in functions]),
                  (["dynamodb:PutItem", "dynamodb:UpdateItem"], tables))


def apigateway_policy() -> dict[str, Any]:
    """The API: start executions of the one state machine, read the one orders table."""
    n = names()
    return policy((["states:StartExecution"], [arn("states", f"stateMachine:{n.state_machine}")]),
                  (["dynamodb:GetItem"], [arn("dynamodb", f"table/{n.orders_table}")]))


def ensure_workshop_roles() -> dict[str, str]:
    """The three roles the workshop uses, by name → ARN.

    >>> roles = lab.ensure_workshop_roles()
    """
    n = names()
    return {
        n.lambda_role: ensure_role(n.lambda_role, "lambda", inline_policy=lambda_policy(),
                                   managed_policy_arns=[BASIC_EXECUTION_POLICY]),
        n.states_role: ensure_role(n.states_role, "states", inline_policy=states_policy()),
        n.apigateway_role: ensure_role(n.apigateway_role, "apigateway", inline_policy=apigateway_policy()),
    }


def retry_while_role_propagates(call: Callable[[], T], *, code: str, message: str,
                                attempts: int = 8, first_wait: float = 1.0) -> T:
    """Run ``call``, retrying only the error a just-created role causes until IAM has propagated it.

    On AWS a new role can take seconds to be usable (e.g. Lambda answers
    InvalidParameterValueException "...cannot be assumed by Lambda"); emulators never raise it,
    so there this is one plain call.
    """
    wait = first_wait
    for attempt in range(attempts):
        try:
            return call()
        except ClientError as error:
            err = error.response["Error"]
            if err["Code"] != code or message not in err.get("Message", "") or attempt == attempts - 1:
                raise
            time.sleep(wait)
            wait = min(wait * 2, 8.0)
    raise AssertionError("unreachable")
