"""Everything the earlier notebooks build, in one idempotent call, so any notebook can start alone."""
from __future__ import annotations

from dataclasses import dataclass, field

from .apigateway import ensure_orders_api
from .config import names
from .dynamodb import ensure_workshop_tables, seed_products
from .iam import ensure_workshop_roles
from .lambdas import ensure_workshop_functions
from .saga import Saga, ensure_saga
from .stepfunctions import ensure_order_workflow

STEPS = {1: "IAM roles", 2: "DynamoDB tables", 3: "Lambda services", 4: "state machine", 5: "REST API",
         6: "(testing: nothing new)", 7: "the order saga"}


@dataclass
class Workshop:
    """What exists after ``ensure_workshop``: ARNs by name, and the API once notebook 05 is done."""

    roles: dict[str, str] = field(default_factory=dict)
    tables: dict[str, str] = field(default_factory=dict)
    functions: dict[str, str] = field(default_factory=dict)
    state_machine_arn: str | None = None
    api_id: str | None = None
    api_url: str | None = None
    saga: Saga | None = None


def ensure_workshop(upto: int) -> Workshop:
    """Create (or confirm) what notebooks 01..``upto`` create; safe to call any number of times.

    >>> ws = lab.ensure_workshop(upto=4)   # first cell of notebook 05
    >>> ws.state_machine_arn
    'arn:aws:states:us-east-1:123456789012:stateMachine:apicomp-order-workflow'
    """
    if upto not in (0, *STEPS):
        raise ValueError(f"upto must be 0..{max(STEPS)} (the notebook number whose resources you need)")
    n = names()
    ws = Workshop()
    if upto >= 1:
        ws.roles = ensure_workshop_roles()
    if upto >= 2:
        ws.tables = ensure_workshop_tables()
        seed_products(n.products_table)
    if upto >= 3:
        ws.functions = ensure_workshop_functions(ws.roles[n.lambda_role])
    if upto >= 4:
        ws.state_machine_arn = ensure_order_workflow(ws.roles[n.states_role])
    if upto >= 5:
        api = ensure_orders_api(state_machine_arn=ws.state_machine_arn, role_arn=ws.roles[n.apigateway_role])
        ws.api_id, ws.api_url = api["id"], api["url"]
    if upto >= 7:
        ws.saga = ensure_saga()
    return ws
