"""Notebook 07's order saga: its services, tables, roles and workflow, orders run under load,
and the ledger that checks nothing was lost or half-done.

Everything here is create-or-update, like the rest of the kit; ``ensure_saga`` builds it all.
"""
from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .backend import arn, client
from .config import Names, names
from .dynamodb import PRODUCTS, ensure_table, get_item, scan_items, seed_products
from .iam import BASIC_EXECUTION_POLICY, ensure_role, policy
from .lambdas import ensure_function
from .notifications import ensure_notifications
from .stepfunctions import ensure_state_machine, wait_for_execution

SHARED_MODULES = ("faults.py", "records.py")
# short name → (folder in lambdas/, environment variable → table/bus attribute of Names)
SERVICES: dict[str, tuple[str, dict[str, str]]] = {
    "stock": ("stock_service", {"PRODUCTS_TABLE": "products_table", "RESERVATIONS_TABLE": "reservations_table"}),
    "payment": ("payment_service", {"PAYMENTS_TABLE": "payments_table"}),
    "shipping": ("shipping_service", {"SHIPMENTS_TABLE": "shipments_table"}),
    "notification": ("notification_service", {"EVENT_BUS": "event_bus"}),
    "circuit": ("circuit_breaker", {"CIRCUITS_TABLE": "circuits_table"}),
}
DECLINED_CARD = "4000000000000002"  # the payment service always declines this test card


def saga_table_keys(n: Names | None = None) -> dict[str, str]:
    """The tables notebook 07 adds, by name → partition key."""
    n = n or names()
    return {n.payments_table: "orderId", n.shipments_table: "orderId", n.circuits_table: "service"}


def saga_lambda_policy() -> dict[str, Any]:
    """The saga's services: read and write their own tables, take stock, publish to the bus."""
    n = names()
    tables = [arn("dynamodb", f"table/{t}") for t in (*saga_table_keys(), n.products_table, n.reservations_table)]
    return policy((["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], tables),
                  (["events:PutEvents"], [arn("events", f"event-bus/{n.event_bus}")]))


def saga_states_policy() -> dict[str, Any]:
    """The saga workflow: invoke its seven services, record into orders/audit, read and close circuits."""
    n = names()
    functions = [arn("lambda", f"function:{f}") for f in (n.user_service, n.inventory_service,
                                                          *(n.service(s) for s in SERVICES))]
    tables = [arn("dynamodb", f"table/{t}") for t in (n.orders_table, n.audit_table, n.circuits_table)]
    return policy((["lambda:InvokeFunction"], functions + [f"{f}:*" for f in functions]),
                  (["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], tables))


def ensure_saga_functions(role_arn: str) -> dict[str, str]:
    """The five saga services, deployed with no faults injected; by name → ARN."""
    n = names()
    deployed = {}
    for short, (folder, env) in SERVICES.items():
        config = ensure_function(n.service(short), source_dir=folder, role_arn=role_arn, shared=SHARED_MODULES,
                                 env={var: getattr(n, attr) for var, attr in env.items()})
        deployed[config["FunctionName"]] = config["FunctionArn"]
    return deployed


def saga_substitutions() -> dict[str, str]:
    """The values ``asl/order_saga.json`` needs, for this learner's resources."""
    n = names()
    lam = client("lambda")

    def function_arn(name: str) -> str:
        return lam.get_function_configuration(FunctionName=name)["FunctionArn"]

    values = {"UserServiceArn": function_arn(n.user_service), "InventoryServiceArn": function_arn(n.inventory_service),
              "StockServiceArn": function_arn(n.service("stock")),
              "PaymentServiceArn": function_arn(n.service("payment")),
              "ShippingServiceArn": function_arn(n.service("shipping")),
              "NotificationServiceArn": function_arn(n.service("notification")),
              "CircuitBreakerArn": function_arn(n.service("circuit"))}
    return {**values, "OrdersTable": n.orders_table, "AuditTable": n.audit_table, "CircuitsTable": n.circuits_table}


@dataclass
class Saga:
    """What ``ensure_saga`` made: the workflow's ARN, the services, the notification queue."""

    state_machine_arn: str
    functions: dict[str, str]
    queue_url: str


def ensure_saga() -> Saga:
    """Create or update everything notebook 07 adds (needs notebooks 01–03's resources).

    >>> saga = lab.ensure_saga()
    >>> saga.state_machine_arn
    'arn:aws:states:us-east-1:123456789012:stateMachine:apicomp-order-saga'
    """
    n = names()
    for table, key in saga_table_keys().items():
        ensure_table(table, key)
    queue_url = ensure_notifications()
    lambda_role = ensure_role(n.saga_lambda_role, "lambda", inline_policy=saga_lambda_policy(),
                              managed_policy_arns=[BASIC_EXECUTION_POLICY])
    states_role = ensure_role(n.saga_states_role, "states", inline_policy=saga_states_policy())
    functions = ensure_saga_functions(lambda_role)
    machine = ensure_state_machine(n.order_saga, asl_file="order_saga.json", substitutions=saga_substitutions(),
                                   role_arn=states_role)
    return Saga(machine, functions, queue_url)


def restock(stock: dict[str, int] | None = None) -> dict[str, int]:
    """Put the catalogue back (or set some products' stock); return the stock by product.

    >>> lab.restock()
    {'prod-1': 100, 'prod-2': 25, 'prod-3': 0}
    """
    rows = [{**p, "stock": (stock or {}).get(p["productId"], p["stock"])} for p in PRODUCTS]
    rows += [{"productId": pid, "name": pid, "price": PRODUCTS[0]["price"], "stock": qty}
             for pid, qty in (stock or {}).items() if pid not in {p["productId"] for p in PRODUCTS}]
    seed_products(names().products_table, rows)
    return stock_levels([r["productId"] for r in rows])


def stock_levels(product_ids: list[str] | None = None) -> dict[str, int]:
    """The products' stock now, by product."""
    table = names().products_table
    ids = product_ids or [p["productId"] for p in PRODUCTS]
    return {pid: int((get_item(table, {"productId": pid}) or {}).get("stock", 0)) for pid in ids}


def place_orders(state_machine_arn: str, orders: list[dict[str, Any]], *, concurrency: int = 8,
                 timeout: float = 180.0) -> pd.DataFrame:
    """Run each order as one execution (named by its orderId), ``concurrency`` at a time; one row
    per order: orderId, outcome (completed/compensated/rejected/failed), reason, execution status.

    >>> lab.place_orders(saga.state_machine_arn, [{"orderId": "o-1", "userId": "validuser456", "items": [...]}])
    """
    sfn = client("stepfunctions")

    def run(order: dict[str, Any]) -> dict[str, Any]:
        started = time.monotonic()
        arn_ = sfn.start_execution(stateMachineArn=state_machine_arn, name=order["orderId"],
                                   input=json.dumps(order))["executionArn"]
        row = _outcome_row(wait_for_execution(arn_, timeout))
        return {**row, "seconds": round(time.monotonic() - started, 2)}

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return pd.DataFrame(list(pool.map(run, orders)))


def _outcome_row(execution: dict[str, Any]) -> dict[str, Any]:
    output = execution.get("output") or {}
    return {"orderId": execution["name"], "outcome": output.get("status", "unfinished"),
            "reason": output.get("reason", execution.get("error", "")), "execution": execution["status"],
            "executionArn": execution["executionArn"]}


def outcomes(execution_arns: list[str], timeout: float = 180.0) -> pd.DataFrame:
    """The same rows as ``place_orders`` for executions that already exist (e.g. after a redrive)."""
    return pd.DataFrame([_outcome_row(wait_for_execution(arn_, timeout)) for arn_ in execution_arns])


def order_ledger(order_ids: list[str]) -> pd.DataFrame:
    """Each order as every service recorded it: the order's status, the payment, the stock
    reservation, the shipment, and the audit record — what the Verify cell checks.

    >>> lab.order_ledger(results["orderId"].tolist())
    """
    n = names()
    audit_by_order: dict[str, list[str]] = {}
    for record in scan_items(n.audit_table):
        audit_by_order.setdefault(record.get("orderId"), []).append(record.get("action"))

    def status(table: str, order_id: str) -> str | None:
        item = get_item(table, {"orderId": order_id})
        return item.get("status") if item else None

    rows = []
    for order_id in order_ids:
        reservation = get_item(n.reservations_table, {"orderId": order_id}) or {}
        rows.append({"orderId": order_id, "order": status(n.orders_table, order_id),
                     "payment": status(n.payments_table, order_id),
                     "stock": reservation.get("status"),
                     "units": sum(int(line["quantity"]) for line in reservation.get("items", [])),
                     "shipment": status(n.shipments_table, order_id),
                     "audit": ",".join(sorted(audit_by_order.get(order_id, [])))})
    return pd.DataFrame(rows)


def circuit(service: str = "payment") -> dict[str, Any]:
    """A service's circuit as the workflow reads it (``{}`` when it never failed)."""
    return get_item(names().circuits_table, {"service": service}) or {}


def reset_circuit(service: str = "payment") -> None:
    """Forget a circuit's failures (closed, as if it had never failed)."""
    client("dynamodb").delete_item(TableName=names().circuits_table, Key={"service": {"S": service}})


def routes_table(definition: dict[str, Any]) -> pd.DataFrame:
    """A definition's top-level states as a table: type, where success goes, where each Catch goes.

    >>> lab.routes_table(lab.load_definition("order_saga.json", lab.saga_substitutions()))
    """
    rows = []
    for name, state in definition["States"].items():
        if state["Type"] == "Choice":
            success = ", ".join(dict.fromkeys([c["Next"] for c in state["Choices"]] + [state.get("Default", "")]))
        else:
            success = state.get("Next", "(end)")
        catches = "; ".join(f"{'/'.join(c['ErrorEquals'])} → {c['Next']}" for c in state.get("Catch", []))
        retries = sum(r.get("MaxAttempts", 3) for r in state.get("Retry", []))
        rows.append({"state": name, "type": state["Type"], "next": success, "on error": catches,
                     "retries": retries or ""})
    return pd.DataFrame(rows).set_index("state")


OUTCOME_COLOURS = {"completed": "#3F8624", "compensated": "#FF9900", "rejected": "#999999",
                   "failed": "#D13212", "unfinished": "#000000"}


def plot_outcomes(table: pd.DataFrame, title: str = "Order outcomes"):
    """One bar per (outcome, reason) row of ``table`` (columns outcome, reason, orders), coloured by
    outcome. Returns the figure."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 0.35 * len(table) + 1.0), dpi=80)
    labels = [f"{outcome}: {reason}" for outcome, reason in zip(table["outcome"], table["reason"], strict=True)]
    bars = ax.barh(labels, table["orders"], color=[OUTCOME_COLOURS.get(o, "#000000") for o in table["outcome"]])
    ax.bar_label(bars, fontsize=8, padding=2)
    ax.invert_yaxis()
    ax.set_xlabel("orders")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig
