"""Products service behind a Lambda proxy integration (AWS_PROXY): GET /products, GET /products/{productId}.

With a proxy integration API Gateway hands the function the whole HTTP request as an event and
expects an HTTP answer back: ``{"statusCode": ..., "headers": {...}, "body": "<text>"}``, with the
body as a *string*. It serves a REST API (payload format 1.0: ``httpMethod``) and an HTTP API
(payload format 2.0: ``requestContext.http.method``) alike. The catalogue comes from the products
table (name in ``PRODUCTS_TABLE``);
prices are returned as strings with two decimals, as the inventory service does.
"""
from __future__ import annotations

import json
import os
from decimal import Decimal
from typing import Any

import boto3

_table = None


def products_table():
    """The products table, built once per warm runtime."""
    global _table
    if _table is None:
        _table = boto3.resource("dynamodb").Table(os.environ["PRODUCTS_TABLE"])
    return _table


def product_view(item: dict[str, Any]) -> dict[str, Any]:
    return {"productId": item["productId"], "name": item.get("name"),
            "price": str(Decimal(item["price"]).quantize(Decimal("0.01"))), "stock": int(item.get("stock", 0))}


def answer(status: int, body: Any) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    method = event.get("httpMethod") or (event.get("requestContext") or {}).get("http", {}).get("method")
    if method != "GET":
        return answer(405, {"message": "Only GET is supported"})
    product_id = (event.get("pathParameters") or {}).get("productId")
    if product_id is not None:
        item = products_table().get_item(Key={"productId": product_id}).get("Item")
        if item is None:
            return answer(404, {"message": "Product not found", "productId": product_id})
        return answer(200, product_view(item))
    items, page = [], {}
    while True:
        scanned = products_table().scan(**page)
        items.extend(scanned["Items"])
        if "LastEvaluatedKey" not in scanned:
            break
        page = {"ExclusiveStartKey": scanned["LastEvaluatedKey"]}
    products = sorted((product_view(i) for i in items), key=lambda p: p["productId"])
    return answer(200, {"products": products, "count": len(products)})
