"""Do once, undo once: the idempotency every saga step and compensation needs.

Each business record (a payment, a shipment) is keyed by orderId and written with a condition,
so a retried call finds the first call's record instead of acting twice. An undo that finds no
record writes a tombstone, so a call that was only late (it timed out, then landed) can no
longer act after the compensation ran.
"""
from __future__ import annotations

import time
from typing import Any

from botocore.exceptions import ClientError

CONDITION_FAILED = "ConditionalCheckFailedException"


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z"


def _failed_condition(error: ClientError) -> bool:
    return error.response["Error"]["Code"] == CONDITION_FAILED


def record_once(table, item: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Write ``item`` unless its orderId has a record; return (the record, written now?)."""
    try:
        table.put_item(Item=item, ConditionExpression="attribute_not_exists(orderId)")
        return item, True
    except ClientError as error:
        if not _failed_condition(error):
            raise
    existing = table.get_item(Key={"orderId": item["orderId"]}, ConsistentRead=True)["Item"]
    return existing, False


def undo_once(table, order_id: str, *, active: str, undone: str, tombstone: str) -> dict[str, Any]:
    """Move the order's record from ``active`` to ``undone`` exactly once.

    No record: write a ``tombstone`` status. Already undone, tombstoned or never active (e.g.
    declined): change nothing. Returns ``{"orderId", "status", "changed"}``.
    """
    for _ in range(3):  # a late do-call can land between the read and the write: look again
        record = table.get_item(Key={"orderId": order_id}, ConsistentRead=True).get("Item")
        try:
            if record is None:
                table.put_item(Item={"orderId": order_id, "status": tombstone, "at": now_iso()},
                               ConditionExpression="attribute_not_exists(orderId)")
                return {"orderId": order_id, "status": tombstone, "changed": True}
            if record["status"] != active:
                return {"orderId": order_id, "status": record["status"], "changed": False}
            table.update_item(Key={"orderId": order_id}, UpdateExpression="SET #s = :undone, undoneAt = :at",
                              ConditionExpression="#s = :active",
                              ExpressionAttributeNames={"#s": "status"},
                              ExpressionAttributeValues={":undone": undone, ":active": active, ":at": now_iso()})
            return {"orderId": order_id, "status": undone, "changed": True}
        except ClientError as error:
            if not _failed_condition(error):
                raise
    raise RuntimeError(f"record of {order_id} kept changing while it was being undone")
