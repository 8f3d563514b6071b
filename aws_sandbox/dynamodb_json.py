"""When DynamoDB's JSON can be written with ``json.dumps`` alone, byte for byte as the shape-driven
serializers (botocore's for requests, moto's for answers) write it.

Both serializers walk the operation's shape node by node; for attribute values made of strings
and booleans they change nothing, so ``json.dumps`` of the value is their output. They do change
binary values (base64), timestamps and some floats, and botocore raises on a member the shape
lacks; so anything but the plain cases below is left to them. Tests compare both ways.
"""
from __future__ import annotations

import json
from typing import Any

# Input members whose value is a map of AttributeValues, and the scalar members (the Python
# types botocore passes through unchanged), of the operations a workflow's Tasks call most.
ATTRIBUTE_MAP_MEMBERS = frozenset({"Item", "Key", "ExpressionAttributeValues"})
SCALAR_TYPES = {"string": str, "boolean": bool, "integer": int, "long": int}


def plain_attribute_value(value: Any) -> bool:
    """An AttributeValue of one type whose leaves are strings or booleans (not binary: both
    serializers base64-encode it), which JSON writes unchanged."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    kind, inner = next(iter(value.items()))
    if kind in ("S", "N"):
        return isinstance(inner, str)
    if kind in ("BOOL", "NULL"):
        return isinstance(inner, bool)
    if kind in ("SS", "NS"):
        return isinstance(inner, list) and all(isinstance(item, str) for item in inner)
    if kind == "L":
        return isinstance(inner, list) and all(plain_attribute_value(item) for item in inner)
    if kind == "M":
        return isinstance(inner, dict) and all(isinstance(name, str) and plain_attribute_value(item)
                                               for name, item in inner.items())
    return False


def plain_attribute_map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(name, str) and plain_attribute_value(item)
                                           for name, item in value.items())


def request_body(input_shape, parameters: dict[str, Any]) -> bytes | None:
    """botocore's JSON body for ``parameters`` when it is plain (None otherwise: serialize with botocore)."""
    members = input_shape.members
    for name, value in parameters.items():
        member = members.get(name)
        if member is None:
            return None  # botocore raises: let it
        if name in ATTRIBUTE_MAP_MEMBERS:
            if not plain_attribute_map(value):
                return None
        elif member.type_name == "map" and member.value.type_name == "string":  # ExpressionAttributeNames
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                return None
        else:
            kind = SCALAR_TYPES.get(member.type_name)
            if kind is None or type(value) is not kind:
                return None
    return json.dumps(parameters).encode("utf-8")


# The DynamoDB operations whose answer can be nothing but items: {"Item": ...} / {"Attributes": ...}.
ITEM_ANSWERS = {"GetItem": "Item", "PutItem": "Attributes", "UpdateItem": "Attributes", "DeleteItem": "Attributes"}


def item_answer_body(operation: str, result: Any) -> str | None:
    """The JSON moto's serializer writes for an answer holding only attribute values, or None
    when the answer holds anything else (the serializer then answers)."""
    member = ITEM_ANSWERS.get(operation)
    if member is None or not isinstance(result, dict) or any(key != member for key in result):
        return None
    item = result.get(member)
    if item is None:
        return "{}"  # the serializer leaves out a member whose value is None
    return json.dumps(result) if plain_attribute_map(item) else None
