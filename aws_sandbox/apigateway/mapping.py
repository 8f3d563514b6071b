"""Integration request mapping: parameters (requestParameters) and the request template.

``requestParameters`` maps ``integration.request.{header|querystring|path|multivaluequerystring}.X``
from ``method.request.{path|querystring|multivaluequerystring|header|multivalueheader}.Y``,
``method.request.body[.JSONPath]``, ``context.X``, ``stageVariables.X`` or a ``'static'`` value.
The template is chosen by the request's Content-Type (application/json when absent); with no
match, ``passthroughBehavior`` decides: WHEN_NO_MATCH passes the body through, WHEN_NO_TEMPLATES
passes it only if the integration has no templates at all, NEVER refuses (415).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import Headers

from . import vtl
from .lookup import context_or_stage_value, json_body_value
from .deployments import Integration
from .gatewayresponses import GatewayError


@dataclass
class MethodRequest:
    """The client's request as the method sees it."""
    http_method: str
    path: str  # after the stage: /orders/42
    path_params: dict[str, str]
    query: dict[str, str]
    multi_query: dict[str, list[str]]
    headers: Headers
    body: bytes
    content_type: str  # media type only, lower case; application/json when absent

    @property
    def single_headers(self) -> dict[str, str]:
        """Last value of each header, in the client's case (as ``$input.params()`` sees them)."""
        out: dict[str, str] = {}
        for name, value in self.headers.items():
            out[name] = value
        return out

    @property
    def multi_headers(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name, value in self.headers.items():
            out.setdefault(name, []).append(value)
        return out


@dataclass
class IntegrationRequest:
    """What is sent to the integration."""
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, list[str]] = field(default_factory=dict)
    path_params: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def template_request(request: MethodRequest, context: dict[str, Any], stage_variables: dict[str, str],
                     body: bytes | None = None) -> vtl.TemplateRequest:
    return vtl.TemplateRequest(
        body=(request.body if body is None else body).decode("utf-8", "replace"),
        path_params=request.path_params,
        query=request.query,
        headers=request.single_headers,
        context=context,
        stage_variables=stage_variables,
        multi_query=request.multi_query,
        multi_headers=request.multi_headers,
    )


def map_parameters(integration: Integration, request: MethodRequest, context: dict[str, Any],
                   stage_variables: dict[str, str]) -> IntegrationRequest:
    """The integration's headers, query string and path parameters from ``requestParameters``."""
    out = IntegrationRequest()
    for target, source in integration.parameters.items():
        parts = target.split(".", 3)
        if len(parts) != 4 or parts[:2] != ["integration", "request"]:
            continue
        where, name = parts[2], parts[3]
        value = _source_value(source, request, context, stage_variables)
        if value is None:
            continue
        if where == "header":
            out.headers[name] = value if isinstance(value, str) else ",".join(value)
        elif where in ("querystring", "multivaluequerystring"):
            out.query[name] = value if isinstance(value, list) else [value]
        elif where == "path":
            out.path_params[name] = value if isinstance(value, str) else value[-1]
    return out


def _source_value(source: str, request: MethodRequest, context: dict[str, Any],
                  stage_variables: dict[str, str]) -> str | list[str] | None:
    if len(source) >= 2 and source.startswith("'") and source.endswith("'"):
        return source[1:-1]
    if source.startswith("method.request."):
        where, _, name = source[len("method.request."):].partition(".")
        if where == "path":
            return request.path_params.get(name)
        if where == "querystring":
            return request.query.get(name)
        if where == "multivaluequerystring":
            return request.multi_query.get(name)
        if where == "header":
            return request.headers.get(name)
        if where == "multivalueheader":
            values = request.headers.getlist(name)
            return values or None
        if where == "body":
            return _body_value(request.body, name)
        return None
    return context_or_stage_value(source, context, stage_variables)


def _body_value(body: bytes, json_path: str) -> str | None:
    """``method.request.body`` (whole) or ``method.request.body.a.b`` (a JSONPath into it)."""
    if not json_path:
        return body.decode("utf-8", "replace")
    return json_body_value(body, json_path)


def request_body(integration: Integration, request: MethodRequest, context: dict[str, Any],
                 stage_variables: dict[str, str]) -> bytes:
    """The integration request body: the rendered template, or the body passed through."""
    templates = integration.templates
    template = templates.get(request.content_type)
    if template is None:
        passthrough = integration.passthrough.upper()
        if passthrough == "NEVER" or (passthrough == "WHEN_NO_TEMPLATES" and templates):
            raise GatewayError("UNSUPPORTED_MEDIA_TYPE", "Unsupported Media Type")
        return request.body
    try:
        return vtl.render(template, template_request(request, context, stage_variables)).encode()
    except vtl.BodyNotJsonError as error:
        raise GatewayError("BAD_REQUEST_BODY", str(error)) from None
