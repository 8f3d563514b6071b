"""AWS_PROXY (Lambda proxy): the 1.0 event API Gateway sends, and the answer it expects back."""
from __future__ import annotations

import base64
import json
from typing import Any

from .gatewayresponses import GatewayError
from .mapping import MethodRequest

RESPONSE_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded", "cookies"}
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript",
              "application/x-www-form-urlencoded")


def event(request: MethodRequest, resource_path: str, context: dict[str, Any],
          stage_variables: dict[str, str]) -> dict[str, Any]:
    """The proxy event (payload format 1.0); empty maps are null, as in AWS."""
    body: str | None = None
    is_base64 = False
    if request.body:
        try:
            body = request.body.decode("utf-8")
        except UnicodeDecodeError:
            body, is_base64 = base64.b64encode(request.body).decode(), True
    request_context = {k: v for k, v in context.items() if k not in ("requestOverride", "responseOverride", "error")}
    return {
        "resource": resource_path,
        "path": request.path,
        "httpMethod": request.http_method,
        "headers": request.single_headers or None,
        "multiValueHeaders": request.multi_headers or None,
        "queryStringParameters": request.query or None,
        "multiValueQueryStringParameters": request.multi_query or None,
        "pathParameters": request.path_params or None,
        "stageVariables": stage_variables or None,
        "requestContext": request_context,
        "body": body,
        "isBase64Encoded": is_base64,
    }


def response(payload: bytes, function_failed: bool) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) from the function's answer; 502 when it is not a proxy answer."""
    malformed = GatewayError("DEFAULT_5XX", "Internal server error", status=502)
    if function_failed:
        raise malformed
    try:
        answer = json.loads(payload)
    except ValueError:
        raise malformed from None
    if not isinstance(answer, dict) or set(answer) - RESPONSE_KEYS:
        raise malformed
    try:
        status = int(answer.get("statusCode", 200))
    except (TypeError, ValueError):
        raise malformed from None
    headers: list[tuple[str, str]] = []
    single = answer.get("headers") or {}
    multi = answer.get("multiValueHeaders") or {}
    if not isinstance(single, dict) or not isinstance(multi, dict):
        raise malformed
    for name, values in multi.items():
        for value in values if isinstance(values, list) else [values]:
            headers.append((name, str(value)))
    names = {name.lower() for name, _ in headers}
    for name, value in single.items():
        if name.lower() not in names:
            headers.append((name, str(value)))
    body = answer.get("body")
    if body is None:
        data = b""
    elif isinstance(body, str):
        if answer.get("isBase64Encoded"):
            try:
                data = base64.b64decode(body)
            except ValueError:
                raise malformed from None
        else:
            data = body.encode()
    else:
        raise malformed
    if "content-type" not in {name.lower() for name, _ in headers}:
        headers.append(("Content-Type", "application/json"))
    return status, headers, data
