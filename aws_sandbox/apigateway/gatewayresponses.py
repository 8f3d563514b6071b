"""Gateway responses: the answers API Gateway itself gives (403 Missing Authentication Token, 429...).

Each has a default status and ``x-amzn-ErrorType``; an API customises them with
PutGatewayResponse (status, headers, templates), falling back on its DEFAULT_4XX / DEFAULT_5XX.
The default template is ``{"message":$context.error.messageString}``.
"""
from __future__ import annotations

import json
from typing import Any
from collections.abc import Callable

from . import vtl
from .deployments import GatewayResponse, Snapshot
from .lookup import context_or_stage_value, template_for_accept

DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'

# type -> (default status, x-amzn-ErrorType)
TYPES: dict[str, tuple[str, str]] = {
    "ACCESS_DENIED": ("403", "AccessDeniedException"),
    "API_CONFIGURATION_ERROR": ("500", "InternalServerErrorException"),
    "AUTHORIZER_CONFIGURATION_ERROR": ("500", "AuthorizerConfigurationException"),
    "AUTHORIZER_FAILURE": ("500", "AuthorizerFailureException"),
    "BAD_REQUEST_BODY": ("400", "BadRequestException"),
    "BAD_REQUEST_PARAMETERS": ("400", "BadRequestException"),
    "EXPIRED_TOKEN": ("403", "ExpiredTokenException"),
    "INTEGRATION_FAILURE": ("504", "InternalServerErrorException"),
    "INTEGRATION_TIMEOUT": ("504", "InternalServerErrorException"),
    "INVALID_API_KEY": ("403", "ForbiddenException"),
    "INVALID_SIGNATURE": ("403", "InvalidSignatureException"),
    "MISSING_AUTHENTICATION_TOKEN": ("403", "MissingAuthenticationTokenException"),
    "QUOTA_EXCEEDED": ("429", "LimitExceededException"),
    "REQUEST_TOO_LARGE": ("413", "RequestTooLargeException"),
    "RESOURCE_NOT_FOUND": ("404", "ResourceNotFoundException"),
    "THROTTLED": ("429", "TooManyRequestsException"),
    "UNAUTHORIZED": ("401", "UnauthorizedException"),
    "UNSUPPORTED_MEDIA_TYPE": ("415", "UnsupportedMediaTypeException"),
    "WAF_FILTERED": ("403", "WafFilteredException"),
    "DEFAULT_4XX": ("400", "BadRequestException"),
    "DEFAULT_5XX": ("500", "InternalServerErrorException"),
}


class GatewayError(Exception):
    """Raised anywhere in the request pipeline; answered as the gateway response ``kind``."""

    def __init__(self, kind: str, message: str, validation_error: str | None = None,
                 status: int | None = None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.validation_error = validation_error
        self.status = status  # when AWS answers this type with another status (proxy: 502)


def _configured(snapshot: Snapshot | None, kind: str) -> GatewayResponse | None:
    if snapshot is None:
        return None
    configured = snapshot.gateway_responses.get(kind)
    if configured is None:
        fallback = "DEFAULT_5XX" if TYPES[kind][0] >= "500" else "DEFAULT_4XX"
        configured = snapshot.gateway_responses.get(fallback)
    return configured


def render(error: GatewayError, snapshot: Snapshot | None, context: dict[str, Any],
           stage_variables: dict[str, str], request_for_template: Callable[[dict[str, Any]], Any],
           accept_header: str | None) -> tuple[int, dict[str, str], bytes]:
    """The (status, headers, body) API Gateway answers for ``error``."""
    default_status, error_type = TYPES[error.kind]
    status = str(error.status or default_status)
    context["error"] = {
        "message": error.message,
        "messageString": json.dumps(error.message),
        "responseType": error.kind,
        # Quotes and backslashes come escaped, so "$context.error.validationErrorString" inside a
        # JSON string stays valid JSON (the messages quote property names: (["orderId"])).
        "validationErrorString": json.dumps(error.validation_error or "", ensure_ascii=False)[1:-1],
    }
    headers = {"Content-Type": "application/json", "x-amzn-ErrorType": error_type}
    template = DEFAULT_TEMPLATE
    configured = _configured(snapshot, error.kind)
    if configured is not None:
        status = configured.status_code or status
        templates = configured.templates
        if templates:
            content_type = template_for_accept(templates, accept_header)
            template = templates[content_type]
            headers["Content-Type"] = content_type
        for target, source in configured.parameters.items():
            value = _parameter_value(source, context, stage_variables)
            if value is not None:  # a source naming nothing maps no header, as in other mappings
                headers[target.removeprefix("gatewayresponse.header.")] = value
    body = vtl.render(template, request_for_template(context))
    return int(status), headers, body.encode()


def _parameter_value(source: str, context: dict[str, Any], stage_variables: dict[str, str]) -> str | None:
    """A gateway response header: a 'static' value, a context or stage variable (None: nothing)."""
    if len(source) >= 2 and source.startswith("'") and source.endswith("'"):
        return source[1:-1]
    return context_or_stage_value(source, context, stage_variables)
