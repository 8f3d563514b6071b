"""Inventory service: checks each requested item against the products table and prices the order.

Reads price and stock from DynamoDB (table name in ``PRODUCTS_TABLE``), so the order total is
computed from real prices, not hard-coded, and the answer is the same every time for the same
stock. boto3 finds the endpoint (sandbox, LocalStack or AWS) from the Lambda environment.

Money is computed with ``Decimal`` and returned as a string with two decimals ("59.98"): a
string is what a DynamoDB ``N`` attribute takes, so the workflow can store it with ``"N.$"``.
"""
from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import boto3

CENT = Decimal("0.01")
_table = None


def products_table():
    """The products table, built once per warm runtime."""
    global _table
    if _table is None:
        _table = boto3.resource("dynamodb").Table(os.environ["PRODUCTS_TABLE"])
    return _table


def money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def check_item(item: dict[str, Any]) -> dict[str, Any]:
    product_id = item.get("productId")
    requested = item.get("quantity")
    if not isinstance(requested, int) or isinstance(requested, bool) or requested < 1:
        requested = 0
    product = (products_table().get_item(Key={"productId": product_id}).get("Item")
               if isinstance(product_id, str) else None)
    if product is None:
        return {"productId": product_id, "requested": requested, "available": 0,
                "sufficient": False, "unitPrice": None, "lineTotal": money(Decimal(0)),
                "reason": "unknown product"}
    available = int(product["stock"])
    price = Decimal(product["price"])
    return {"productId": product_id, "requested": requested, "available": available,
            "sufficient": 1 <= requested <= available, "unitPrice": money(price),
            "lineTotal": money(price * requested)}


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    items = event.get("items") if isinstance(event, dict) else None
    checked = [check_item(item if isinstance(item, dict) else {}) for item in items or []]
    total = sum((Decimal(line["lineTotal"]) for line in checked), Decimal(0))
    return {
        "allItemsAvailable": bool(checked) and all(line["sufficient"] for line in checked),
        "items": checked,
        "orderTotal": money(total),
    }
