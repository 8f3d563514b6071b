"""Payment service: charge an order's total once, refund it (or void a charge that never landed).

Idempotent by orderId (see ``records``): a retried charge returns the first charge, and a charge
that arrives after the order was compensated is refused. Deterministic declines a learner can
trigger on purpose: the test card ``4000 0000 0000 0002`` is always declined, and so is a total
above the user's credit limit.

Events: ``{"action": "charge", "orderId", "amount": "59.98", "creditLimit": 1800, "card"?}`` and
``{"action": "refund", "orderId"}``. Table name in ``PAYMENTS_TABLE``.
"""
from __future__ import annotations

import os
from decimal import Decimal, InvalidOperation
from typing import Any

import boto3

from faults import run_with_faults
from records import now_iso, record_once, undo_once

DECLINED_CARD = "4000000000000002"
DEFAULT_CARD = "4242424242424242"
_table = None


class PaymentDeclined(Exception):
    """The charge was refused; the workflow catches this error by name."""


class InvalidPaymentRequest(Exception):
    """The event is malformed: retrying cannot help."""


def payments_table():
    global _table
    if _table is None:
        _table = boto3.resource("dynamodb").Table(os.environ["PAYMENTS_TABLE"])
    return _table


def _amount(event: dict[str, Any]) -> Decimal:
    try:
        amount = Decimal(str(event["amount"]))
    except (KeyError, InvalidOperation):
        raise InvalidPaymentRequest("amount must be a decimal string such as '59.98'") from None
    if not amount.is_finite() or amount <= 0:
        raise InvalidPaymentRequest("amount must be positive")
    return amount


def charge(event: dict[str, Any]) -> dict[str, Any]:
    amount = _amount(event)
    card = str(event.get("card") or DEFAULT_CARD).replace(" ", "")
    limit = Decimal(str(event.get("creditLimit", "Infinity")))
    decline = ("card declined (test card)" if card == DECLINED_CARD
               else f"total {amount} is above the credit limit {limit}" if amount > limit else None)
    item = {"orderId": event["orderId"], "amount": amount, "card": card[-4:], "at": now_iso(),
            "status": "declined" if decline else "captured"}
    if decline:
        item["reason"] = decline
    record, _ = record_once(payments_table(), item)
    if record["status"] == "captured":
        if Decimal(record["amount"]) != amount:
            raise InvalidPaymentRequest(f"order {event['orderId']} was charged {record['amount']}, not {amount}")
        return {"orderId": event["orderId"], "status": "captured", "amount": str(record["amount"])}
    if record["status"] == "declined":
        raise PaymentDeclined(record.get("reason", "declined"))
    raise PaymentDeclined(f"order {event['orderId']} was already compensated (payment {record['status']})")


def refund(event: dict[str, Any]) -> dict[str, Any]:
    return undo_once(payments_table(), event["orderId"], active="captured", undone="refunded", tombstone="voided")


ACTIONS = {"charge": charge, "refund": refund}


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    action = ACTIONS.get(event.get("action")) if isinstance(event, dict) else None
    if action is None or not isinstance(event.get("orderId"), str):
        raise InvalidPaymentRequest(f"expected an orderId and an action of {sorted(ACTIONS)}")
    return run_with_faults(lambda: action(event), event["action"])
