"""Stock service: takes an order's stock for real, and gives it back exactly once.

``reserve`` is one DynamoDB transaction (``TransactWriteItems``): for each product a conditional
update ``stock >= quantity`` that subtracts the quantity, plus the order's reservation record
(written only if the order has none). Either every item is taken or none is, and two orders can
never both take the last unit: the condition is checked by DynamoDB at write time, not by a
read beforehand.

``release`` is a second transaction: the reservation goes from ``reserved`` to ``released``
(only if it is still ``reserved``) and each product gets its quantity back. A retried release
finds ``released`` and changes nothing; a release with no reservation writes a ``released``
tombstone, so a reserve that was only late can no longer take stock.

Events: ``{"action": "reserve" | "release", "orderId", "items": [{"productId", "quantity"}]}``.
Tables: ``PRODUCTS_TABLE`` (stock) and ``RESERVATIONS_TABLE``.
"""
from __future__ import annotations

import os
from collections import Counter
from typing import Any

import boto3
from botocore.exceptions import ClientError

from faults import run_with_faults
from records import now_iso

MAX_PRODUCTS = 25  # a transaction takes at most 100 items; keep orders well inside that
_client = None


class OutOfStock(Exception):
    """At least one product has less stock than the order asks for; nothing was taken."""


class ReservationReleased(Exception):
    """The order's reservation was already released (the order was compensated)."""


class InvalidReservation(Exception):
    """The event is malformed: retrying cannot help."""


def dynamodb():
    global _client
    if _client is None:
        _client = boto3.client("dynamodb")
    return _client


def quantities(items: Any) -> Counter:
    """Quantity per product; one product listed twice counts once with the sum (a transaction
    may touch each item only once)."""
    wanted: Counter = Counter()
    if not isinstance(items, list) or not items:
        raise InvalidReservation("items must be a non-empty list")
    for item in items:
        product, quantity = (item.get("productId"), item.get("quantity")) if isinstance(item, dict) else (None, None)
        if not isinstance(product, str) or not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            raise InvalidReservation(f"bad item {item!r}: productId string and quantity >= 1 needed")
        wanted[product] += quantity
    if len(wanted) > MAX_PRODUCTS:
        raise InvalidReservation(f"at most {MAX_PRODUCTS} products per order")
    return wanted


def _reservation(order_id: str) -> dict[str, Any] | None:
    answer = dynamodb().get_item(TableName=os.environ["RESERVATIONS_TABLE"], Key={"orderId": {"S": order_id}},
                                 ConsistentRead=True)
    return answer.get("Item")


def _items_attribute(wanted: Counter) -> dict[str, Any]:
    return {"L": [{"M": {"productId": {"S": p}, "quantity": {"N": str(q)}}} for p, q in sorted(wanted.items())]}


def reserve(event: dict[str, Any]) -> dict[str, Any]:
    order_id, wanted = event["orderId"], quantities(event.get("items"))
    products = sorted(wanted)
    transaction = [{"Put": {
        "TableName": os.environ["RESERVATIONS_TABLE"],
        "Item": {"orderId": {"S": order_id}, "status": {"S": "reserved"}, "items": _items_attribute(wanted),
                 "reservedAt": {"S": now_iso()}},
        "ConditionExpression": "attribute_not_exists(orderId)"}}]
    transaction += [{"Update": {
        "TableName": os.environ["PRODUCTS_TABLE"], "Key": {"productId": {"S": product}},
        "UpdateExpression": "SET stock = stock - :q",
        "ConditionExpression": "attribute_exists(productId) AND stock >= :q",
        "ExpressionAttributeValues": {":q": {"N": str(wanted[product])}}}} for product in products]
    try:
        dynamodb().transact_write_items(TransactItems=transaction)
    except ClientError as error:
        if error.response["Error"]["Code"] != "TransactionCanceledException":
            raise
        reasons = [r.get("Code", "None") for r in error.response.get("CancellationReasons", [])]
        if reasons and reasons[0] == "ConditionalCheckFailed":  # the order has a reservation already
            existing = _reservation(order_id)
            if existing and existing["status"]["S"] == "reserved":
                return {"orderId": order_id, "status": "reserved", "replayed": True}
            raise ReservationReleased(
                f"order {order_id} was already compensated; its stock is not taken again") from None
        short = [p for p, code in zip(products, reasons[1:], strict=False) if code == "ConditionalCheckFailed"]
        if short or not reasons:
            raise OutOfStock(f"not enough stock for {', '.join(short) or 'the order'}") from None
        raise
    return {"orderId": order_id, "status": "reserved", "replayed": False}


def release(event: dict[str, Any]) -> dict[str, Any]:
    order_id = event["orderId"]
    table = os.environ["RESERVATIONS_TABLE"]
    for _ in range(3):  # a late reserve can land between the read and the write: look again
        existing = _reservation(order_id)
        try:
            if existing is None:
                dynamodb().put_item(TableName=table, ConditionExpression="attribute_not_exists(orderId)", Item={
                    "orderId": {"S": order_id}, "status": {"S": "released"}, "items": {"L": []},
                    "releasedAt": {"S": now_iso()}})
                return {"orderId": order_id, "status": "released", "changed": False, "note": "nothing was reserved"}
            if existing["status"]["S"] != "reserved":
                return {"orderId": order_id, "status": existing["status"]["S"], "changed": False}
            transaction = [{"Update": {
                "TableName": table, "Key": {"orderId": {"S": order_id}},
                "UpdateExpression": "SET #s = :released, releasedAt = :at",
                "ConditionExpression": "#s = :reserved", "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {":released": {"S": "released"}, ":reserved": {"S": "reserved"},
                                              ":at": {"S": now_iso()}}}}]
            transaction += [{"Update": {
                "TableName": os.environ["PRODUCTS_TABLE"], "Key": {"productId": line["M"]["productId"]},
                "UpdateExpression": "ADD stock :q",
                "ExpressionAttributeValues": {":q": line["M"]["quantity"]}}} for line in existing["items"]["L"]]
            dynamodb().transact_write_items(TransactItems=transaction)
            return {"orderId": order_id, "status": "released", "changed": True}
        except ClientError as error:
            if error.response["Error"]["Code"] not in ("ConditionalCheckFailedException",
                                                       "TransactionCanceledException"):
                raise
    raise RuntimeError(f"reservation of {order_id} kept changing while it was being released")


ACTIONS = {"reserve": reserve, "release": release}


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    action = ACTIONS.get(event.get("action")) if isinstance(event, dict) else None
    if action is None or not isinstance(event.get("orderId"), str):
        raise InvalidReservation(f"expected an orderId and an action of {sorted(ACTIONS)}")
    return run_with_faults(lambda: action(event), event["action"])
