"""Integration response mapping: pick the response, render its template, map its headers.

The response is chosen by ``selectionPattern`` (a Java regex that must match the whole string)
against the backend's HTTP status (AWS, HTTP, MOCK) or a Lambda function error's
``errorMessage`` (Lambda custom integration); otherwise the default response (no pattern).
"""
from __future__ import annotations

from typing import Any

from . import vtl
from .deployments import Integration, IntegrationResponse
from .gatewayresponses import GatewayError
from .integrations import BackendResponse
from .lookup import context_or_stage_value, json_body_value, template_for_accept
from .mapping import MethodRequest, template_request


def select(integration: Integration, backend: BackendResponse, is_lambda: bool) -> IntegrationResponse:
    if is_lambda:
        subject = backend.lambda_error
    else:
        subject = str(backend.status)
    if subject is not None:
        for response in integration.responses:
            if response.selection_pattern is not None and response.selection_pattern.fullmatch(subject):
                return response
    if integration.default_response is None:
        # No integration response for this outcome: a configuration error, answered as 500.
        raise GatewayError("API_CONFIGURATION_ERROR", "Internal server error")
    return integration.default_response


def apply(selected: IntegrationResponse, backend: BackendResponse, request: MethodRequest,
          context: dict[str, Any], stage_variables: dict[str, str]) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) the client gets from this integration response."""
    status = int(selected.status_code)
    content_type = "application/json"
    body = backend.body
    templates = selected.templates
    if templates:
        content_type = template_for_accept(templates, request.headers.get("Accept"))
        body = vtl.render(templates[content_type],
                          template_request(request, context, stage_variables, body=backend.body)).encode()
    headers: dict[str, str] = {"Content-Type": content_type}
    for target, source in selected.parameters.items():
        if not target.startswith("method.response.header."):
            continue
        value = _source_value(source, backend, context, stage_variables)
        if value is not None:
            headers[target[len("method.response.header."):]] = value
    override = context.get("responseOverride") or {}
    if override.get("status"):
        status = int(override["status"])
    for name, value in (override.get("header") or {}).items():
        headers[name] = str(value)
    return status, list(headers.items()), body


def _source_value(source: str, backend: BackendResponse, context: dict[str, Any],
                  stage_variables: dict[str, str]) -> str | None:
    if len(source) >= 2 and source.startswith("'") and source.endswith("'"):
        return source[1:-1]
    if source.startswith("integration.response.header.") or source.startswith("integration.response.multivalueheader."):
        name = source.rsplit(".", 1)[1].lower()
        return next((v for k, v in backend.headers.items() if k.lower() == name), None)
    if source == "integration.response.body":
        return backend.body.decode("utf-8", "replace")
    if source.startswith("integration.response.body."):
        return json_body_value(backend.body, source[len("integration.response.body."):])
    return context_or_stage_value(source, context, stage_variables)
