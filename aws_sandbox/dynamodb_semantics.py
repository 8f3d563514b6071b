"""DynamoDB's checks that need more than the service model: AttributeValues and keys.

The model says an AttributeValue is a structure of ten optional members; DynamoDB also requires
exactly one of them. And a Key must name exactly the table's key attributes, with the types of its
key schema: moto answered a GetItem whose key had the wrong type with 200 ``{}`` (no item), where
DynamoDB answers 400 ``ValidationException``. BatchWriteItem's requests are all checked before any
is written: moto wrote the requests before a bad one and then failed, with PutItem's message. A
DeleteTable of a table that does not exist names it, as DescribeTable's error does (moto's did not).
The messages are DynamoDB's (LocalStack's AWS-recorded ``test_batch_write_not_matching_schema``,
``test_table_crud``, ``test_dynamodb_pay_per_request``).
"""
from __future__ import annotations

import re
from typing import Any

from .request_errors import Invalid

EMPTY = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
SEVERAL = "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
KEY_MISMATCH = "The provided key element does not match the schema"
ON_DEMAND_WITH_CAPACITY = ("One or more parameter values were invalid: Neither ReadCapacityUnits nor "
                           "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
TOO_DEEP = "Nesting Levels have exceeded supported limits"
MAX_DEPTH = 32  # DynamoDB's limit for nested attributes
# Where each operation carries AttributeValues: (member, how deep the values sit).
ATTRIBUTE_MAPS = {"PutItem": ("Item", "ExpressionAttributeValues"), "GetItem": ("Key",),
                  "DeleteItem": ("Key", "ExpressionAttributeValues"),
                  "UpdateItem": ("Key", "ExpressionAttributeValues"),
                  "Query": ("ExpressionAttributeValues", "ExclusiveStartKey"),
                  "Scan": ("ExpressionAttributeValues", "ExclusiveStartKey")}
KEYED = ("GetItem", "DeleteItem", "UpdateItem")


# A table's own name (the model also allows ARNs, so its pattern is looser).
TABLE_NAME = re.compile(r"[a-zA-Z0-9_.-]{3,255}")


def check(operation: str, document: dict[str, Any], environ: dict[str, Any]) -> None:
    if operation == "CreateTable" and not TABLE_NAME.fullmatch(document["TableName"]):
        name = document["TableName"]
        broken = ["Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"] if re.search(
            r"[^a-zA-Z0-9_.-]", name) else []
        if len(name) < 3:
            broken.append("Member must have length greater than or equal to 3")
        if len(name) > 255:
            broken.append("Member must have length less than or equal to 255")
        errors = [f"Value '{name}' at 'tableName' failed to satisfy constraint: {reason}" for reason in broken]
        raise Invalid("ValidationException", f"{len(errors)} validation error{'s' if len(errors) > 1 else ''} "
                      f"detected: {'; '.join(errors)}")
    if operation == "CreateTable" and document.get("BillingMode") == "PAY_PER_REQUEST" and document.get(
            "ProvisionedThroughput"):
        raise Invalid("ValidationException", ON_DEMAND_WITH_CAPACITY)
    if operation == "DeleteTable" and find_table(document["TableName"], environ) is None:
        name = document["TableName"]
        raise Invalid("ResourceNotFoundException", f"Requested resource not found: Table: {name} not found")
    if operation == "BatchWriteItem":
        check_batch_write(document["RequestItems"], environ)
    for member in ATTRIBUTE_MAPS.get(operation, ()):
        for value in (document.get(member) or {}).values():
            check_attribute_value(value)
    if operation in KEYED:
        check_key(document["TableName"], document["Key"], environ)


def check_attribute_value(value: dict[str, Any], depth: int = 1) -> None:
    """Exactly one datatype, recursively through maps and lists (at most 32 levels deep)."""
    if depth > MAX_DEPTH:
        raise Invalid("ValidationException", TOO_DEEP)
    present = [name for name, item in value.items() if item is not None]
    if not present:
        raise Invalid("ValidationException", EMPTY)
    if len(present) > 1:
        raise Invalid("ValidationException", SEVERAL)
    kind = present[0]
    if kind == "M":
        for item in value["M"].values():
            check_attribute_value(item, depth + 1)
    elif kind == "L":
        for item in value["L"]:
            check_attribute_value(item, depth + 1)


def check_key(table_name: str, key: dict[str, Any], environ: dict[str, Any], *, whole_item: bool = False) -> None:
    """``key`` holds exactly the table's key attributes (``whole_item``: at least them), each of
    its key schema's type."""
    table = find_table(table_name, environ)
    if table is None:
        return  # moto answers ResourceNotFoundException
    schema = {table.hash_key_attr: table.hash_key_type}
    if table.range_key_attr:
        schema[table.range_key_attr] = table.range_key_type
    names_fit = set(schema) <= set(key) if whole_item else set(key) == set(schema)
    if not names_fit:
        raise Invalid("ValidationException", KEY_MISMATCH)
    for name in schema:
        if [kind for kind, item in key[name].items() if item is not None] != [schema[name]]:
            raise Invalid("ValidationException", KEY_MISMATCH)


def check_batch_write(request_items: dict[str, Any], environ: dict[str, Any]) -> None:
    """Every PutRequest's item carries the key, every DeleteRequest's key is one."""
    for table_name, requests in request_items.items():
        for request in requests:
            if put := request.get("PutRequest"):
                for value in put["Item"].values():
                    check_attribute_value(value)
                check_key(table_name, put["Item"], environ, whole_item=True)
            if delete := request.get("DeleteRequest"):
                for value in delete["Key"].values():
                    check_attribute_value(value)
                check_key(table_name, delete["Key"], environ)


def find_table(name: str, environ: dict[str, Any]):
    from moto.dynamodb.models import dynamodb_backends
    from werkzeug.datastructures import EnvironHeaders

    from .awsapi import caller_account_and_region_of

    account_id, region = caller_account_and_region_of(EnvironHeaders(environ))
    if name.startswith("arn:"):
        name = name.split(":table/", 1)[-1]
    backend = dynamodb_backends[account_id].get(region) if account_id in dynamodb_backends else None
    return backend.tables.get(name) if backend is not None else None
