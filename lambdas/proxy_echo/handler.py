"""Proxy echo: answers with the proxy event it received, so you can read what API Gateway sends.

``?shape=<name>`` makes it answer in one of the shapes a proxy integration does *not* accept
(or accepts in a surprising way), to see what API Gateway makes of each: see ``SHAPES``.
"""
from __future__ import annotations

import base64
import json
from typing import Any

SHAPES = {
    # The data itself, no HTTP envelope: what a handler written for a custom integration returns.
    "no-envelope": lambda event: {"message": "hello", "items": [1, 2, 3]},
    # The body as a JSON object instead of a string.
    "body-not-a-string": lambda event: {"statusCode": 200, "body": {"message": "hello"}},
    # A multiValueHeaders value that is not a list.
    "multi-header-not-a-list": lambda event: {"statusCode": 200, "multiValueHeaders": {"X-Tags": "a"}, "body": ""},
    # A status code that is not a number.
    "status-not-a-number": lambda event: {"statusCode": "created", "body": ""},
    # Accepted: a numeric string status, a boolean header value, a header in both maps.
    "loose-but-valid": lambda event: {"statusCode": "201", "headers": {"X-Cached": False, "X-Tags": "c"},
                                      "multiValueHeaders": {"X-Tags": ["a", "b"]}, "body": "created"},
    # Accepted, but not decoded without binary media types on the API: the client gets base64 text.
    "base64-body": lambda event: {"statusCode": 200, "isBase64Encoded": True,
                                  "body": base64.b64encode(b"hello").decode()},
}


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    shape = (event.get("queryStringParameters") or {}).get("shape")
    if shape in SHAPES:
        return SHAPES[shape](event)
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(event)}
