"""DynamoDB tables: created once, waited for, seeded; and read back as plain Python values."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from .backend import client, tags
from .config import names

# The catalogue the inventory service prices orders from. prod-3 is out of stock on purpose.
PRODUCTS: list[dict[str, Any]] = [
    {"productId": "prod-1", "name": "Espresso beans 1 kg", "price": Decimal("29.99"), "stock": 100},
    {"productId": "prod-2", "name": "Milk frother", "price": Decimal("15.50"), "stock": 25},
    {"productId": "prod-3", "name": "Grinder", "price": Decimal("120.00"), "stock": 0},
]

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def create_table_request(name: str, key: str) -> dict[str, Any]:
    """The CreateTable request ``ensure_table`` sends: on-demand capacity, one string hash key.

    >>> lab.create_table_request("apicomp-orders", "orderId")["BillingMode"]
    'PAY_PER_REQUEST'
    """
    return {
        "TableName": name,
        "AttributeDefinitions": [{"AttributeName": key, "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
        "Tags": [{"Key": k, "Value": v} for k, v in tags().items()],
    }


def ensure_table(name: str, key: str, *, dynamodb: Any = None) -> dict[str, Any]:
    """Create the table (see ``create_table_request``) unless it exists; wait until ACTIVE.

    >>> lab.ensure_table("apicomp-orders", key="orderId")["TableStatus"]
    'ACTIVE'
    """
    dynamodb = dynamodb or client("dynamodb")
    try:
        dynamodb.create_table(**create_table_request(name, key))
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceInUseException":
            raise
    dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    table = dynamodb.describe_table(TableName=name)["Table"]
    existing_key = table["KeySchema"][0]["AttributeName"]
    if existing_key != key:
        raise ValueError(f"table {name} exists with key {existing_key!r}, not {key!r}: delete it first")
    return table


def workshop_table_keys() -> dict[str, str]:
    """The workshop's tables and their partition keys, by table name.

    >>> lab.workshop_table_keys()["apicomp-orders"]
    'orderId'
    """
    n = names()
    return {n.orders_table: "orderId", n.audit_table: "auditId",
            n.reservations_table: "orderId", n.products_table: "productId"}


def ensure_workshop_tables() -> dict[str, str]:
    """The four tables of the workshop, by name → ARN.

    >>> tables = lab.ensure_workshop_tables()
    """
    return {name: ensure_table(name, key)["TableArn"] for name, key in workshop_table_keys().items()}


def seed_products(table: str, products: list[dict[str, Any]] | None = None) -> int:
    """Write the product catalogue (overwriting earlier values); return how many were written.

    >>> lab.seed_products("apicomp-products")
    3
    """
    dynamodb = client("dynamodb")
    rows = PRODUCTS if products is None else products
    for product in rows:
        dynamodb.put_item(TableName=table, Item=to_dynamodb(product))
    return len(rows)


def to_dynamodb(item: dict[str, Any]) -> dict[str, Any]:
    """A plain dict in DynamoDB's typed JSON (``{"price": {"N": "29.99"}}``)."""
    return {k: _serializer.serialize(v) for k, v in item.items()}


def from_dynamodb(item: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB's typed JSON back to plain values (numbers as Decimal)."""
    return {k: _deserializer.deserialize(v) for k, v in item.items()}


def get_item(table: str, key: dict[str, str]) -> dict[str, Any] | None:
    """One item as plain values, or None.

    >>> lab.get_item("apicomp-orders", {"orderId": "order-123"})["status"]
    'completed'
    """
    answer = client("dynamodb").get_item(TableName=table, Key=to_dynamodb(key), ConsistentRead=True)
    return from_dynamodb(answer["Item"]) if "Item" in answer else None


def scan_items(table: str) -> list[dict[str, Any]]:
    """Every item of a (small) table as plain values, sorted by key for stable output."""
    dynamodb = client("dynamodb")
    key = dynamodb.describe_table(TableName=table)["Table"]["KeySchema"][0]["AttributeName"]
    items: list[dict[str, Any]] = []
    for page in dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        items.extend(from_dynamodb(item) for item in page["Items"])
    return sorted(items, key=lambda item: str(item.get(key)))
