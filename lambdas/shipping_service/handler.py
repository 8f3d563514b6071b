"""Shipping service: create an order's shipment once, cancel it once.

Idempotent by orderId (see ``records``): a retried create returns the first shipment; a create
that arrives after the shipment was cancelled is refused. The tracking number is derived from
the orderId, so the same order always gets the same one.

Events: ``{"action": "create", "orderId", "items"}`` and ``{"action": "cancel", "orderId"}``.
Table name in ``SHIPMENTS_TABLE``.
"""
from __future__ import annotations

import os
import zlib
from typing import Any

import boto3

from faults import run_with_faults
from records import now_iso, record_once, undo_once

_table = None


class ShipmentCancelled(Exception):
    """The order's shipment was cancelled before this create arrived."""


class InvalidShippingRequest(Exception):
    """The event is malformed: retrying cannot help."""


def shipments_table():
    global _table
    if _table is None:
        _table = boto3.resource("dynamodb").Table(os.environ["SHIPMENTS_TABLE"])
    return _table


def tracking_number(order_id: str) -> str:
    return f"1Z{zlib.crc32(order_id.encode('utf-8')):010d}"


def create(event: dict[str, Any]) -> dict[str, Any]:
    parcels = sum(int(item.get("quantity", 0)) for item in event.get("items") or [])
    item = {"orderId": event["orderId"], "status": "created", "trackingNumber": tracking_number(event["orderId"]),
            "parcels": parcels, "at": now_iso()}
    record, _ = record_once(shipments_table(), item)
    if record["status"] != "created":
        raise ShipmentCancelled(f"shipment of {event['orderId']} is {record['status']}")
    return {"orderId": record["orderId"], "status": "created", "trackingNumber": record["trackingNumber"]}


def cancel(event: dict[str, Any]) -> dict[str, Any]:
    return undo_once(shipments_table(), event["orderId"], active="created", undone="cancelled",
                     tombstone="cancelled")


ACTIONS = {"create": create, "cancel": cancel}


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    action = ACTIONS.get(event.get("action")) if isinstance(event, dict) else None
    if action is None or not isinstance(event.get("orderId"), str):
        raise InvalidShippingRequest(f"expected an orderId and an action of {sorted(ACTIONS)}")
    return run_with_faults(lambda: action(event), event["action"])
