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
        "path": "/" + request.path.lstrip("/"),  # AWS-recorded: `//proxy-value` arrives as `/proxy-value`
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
    """(status, headers, body) from the function's answer; 502 when it is not a proxy answer.

    As AWS records it (LocalStack's AWS-validated ``test_aws_proxy_response_payload_format_validation``):
    ``statusCode`` may be a number or a numeric string, and defaults to 200; header values are
    printed as JSON scalars (``True`` -> ``true``); each ``multiValueHeaders`` value must be a list;
    a header in both maps is one header, multi values first, joined by ``", "`` (the first
    spelling of its name wins); without binary media types the body is returned as it is, even
    when ``isBase64Encoded`` is true.
    """
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
    single = answer.get("headers") or {}
    multi = answer.get("multiValueHeaders") or {}
    if not isinstance(single, dict) or not isinstance(multi, dict):
        raise malformed
    if not all(isinstance(values, list) for values in multi.values()):
        raise malformed
    merged: dict[str, tuple[str, list[str]]] = {}  # lower-case name -> (name as first given, values)
    for name, values in [*((n, v) for n, v in multi.items()), *((n, [v]) for n, v in single.items())]:
        merged.setdefault(name.lower(), (name, []))[1].extend(_header_text(v) for v in values)
    headers = [(name, ", ".join(values)) for name, values in merged.values()]
    body = answer.get("body")
    if body is None:
        data = b""
    elif isinstance(body, str):
        data = body.encode()
    else:
        raise malformed
    if "content-type" not in merged:
        headers.append(("Content-Type", "application/json"))
    return status, headers, data


def _header_text(value: Any) -> str:
    """A header value as API Gateway prints it: strings as they are, other scalars as JSON."""
    return value if isinstance(value, str) else json.dumps(value)
