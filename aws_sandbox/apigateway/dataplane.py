"""API Gateway REST data plane: one client request through a deployed stage, as AWS handles it.

    route (deployment snapshot) -> stage/method throttling -> API key and usage plan
    -> request validation -> integration request (parameters, template) -> integration
    -> integration response (selection, template, headers) -> access log

Anything API Gateway itself answers (403 Missing Authentication Token, 429, 400, 415, 504...)
is a ``GatewayError`` rendered as the API's gateway response.
"""
from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

from werkzeug.datastructures import Headers
from werkzeug.wrappers import Request, Response

from . import (accesslog, deployments, gatewayresponses, integrations, keys, lambdaproxy, mapping, responsemap,
               usage, validation, vtl)
from .deployments import Snapshot
from .gatewayresponses import GatewayError
from .throttling import Limiter
from .. import metrics

log = logging.getLogger("aws_sandbox.apigateway")

limiter = Limiter()  # token buckets and quotas of every stage, method and API key
_api_locations: dict[str, tuple[str, str]] = {}  # api id -> (account, region)
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit (10 MB)


def handle(request: Request, api_id: str, stage: str, path: str) -> Response:
    """Serve ``request`` on ``stage`` of REST API ``api_id``; ``path`` is the path after the stage."""
    if (request.content_length or 0) > MAX_PAYLOAD_BYTES:  # refused by AWS's front end, before the API
        return Response(f"HTTP content length exceeded {MAX_PAYLOAD_BYTES} bytes.", status=413, mimetype="text/plain")
    started = time.perf_counter()
    epoch_ms = int(time.time() * 1000)
    request_id = str(uuid.uuid4())
    located = _locate(api_id)
    if located is None:
        # AWS has no such host (DNS fails); answered as LocalStack does.
        return Response(f'{{"message": "The API id \'{api_id}\' does not correspond to a deployed API Gateway API"}}',
                        status=404, mimetype="application/json")
    backend, api = located
    stage_model = api.stages.get(stage)
    snapshot = deployments.get(api, stage_model.deployment_id) if stage_model and stage_model.deployment_id else None
    stage_variables = dict(stage_model.variables or {}) if stage_model else {}
    method_request = _method_request(request, path)
    context = _context(api, snapshot, stage, method_request, request, request_id, epoch_ms)
    outcome = _Outcome()
    try:
        if snapshot is None:
            raise GatewayError("MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token")
        match = snapshot.router.match(method_request.http_method, path)
        if match is None:
            raise GatewayError("MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token")
        method_request.path_params = match.path_params
        context.update(resourceId=match.resource.id, resourcePath=match.resource.path,
                       path=f"/{stage}{path}")
        outcome.resource_path = match.resource.path
        keys.enforce_stage(limiter, stage_model, api_id, match.resource.path, method_request.http_method)
        if match.method.api_key_required:
            key_value = (method_request.headers.get("x-api-key") if snapshot.api_key_source == "HEADER"
                         else None)
            use = keys.identify(backend, api_id, stage, key_value)
            context["identity"]["apiKey"] = use.key_value
            context["identity"]["apiKeyId"] = use.key_id
            outcome.api_key_id = use.key_id
            keys.enforce_usage_plan(limiter, backend, use, api_id, stage, match.resource.path,
                                    method_request.http_method)
        validation.validate(snapshot, match.method, method_request.content_type, method_request.body,
                            method_request.query, method_request.headers, method_request.path_params)
        status, headers, body = _integrate(snapshot, match, method_request, context, stage_variables, outcome)
    except GatewayError as error:
        status, headers, body = _gateway_response(error, snapshot, method_request, context, stage_variables)
    except Exception:  # a fault in a template or backend: AWS answers 500, never a traceback
        log.exception("data plane error on %s %s", method_request.http_method, path)
        status, headers, body = _gateway_response(
            GatewayError("DEFAULT_5XX", "Internal server error"), snapshot, method_request, context, stage_variables)
    response = Response(body, status=status)
    response.headers.clear()
    for name, value in headers:
        response.headers.add(name, value)
    response.headers["x-amzn-RequestId"] = request_id
    response.headers["x-amz-apigw-id"] = context["extendedRequestId"]
    _log(api, stage_model, stage, method_request, context, outcome, status, len(body), started, epoch_ms)
    return response


class _Outcome:
    """What the access log needs to know about how the request went."""
    resource_path: str | None = None
    api_key_id: str | None = None
    integration_latency_ms: float | None = None
    integration_status: int | None = None


def _locate(api_id: str) -> tuple[Any, Any] | None:
    """moto's backend and RestAPI for ``api_id``, in whichever account and region holds it."""
    from moto.apigateway.models import apigateway_backends

    where = _api_locations.get(api_id)
    if where is not None:
        backend = apigateway_backends[where[0]][where[1]]
        api = backend.apis.get(api_id)
        if api is not None:
            return backend, api
    for account_id, regions in list(apigateway_backends.items()):
        for region, backend in list(regions.items()):
            api = backend.apis.get(api_id)
            if api is not None:
                _api_locations[api_id] = (account_id, region)
                return backend, api
    return None


def _method_request(request: Request, path: str) -> mapping.MethodRequest:
    content_type = (request.headers.get("Content-Type") or "application/json").split(";")[0].strip().lower()
    multi_query = {name: request.args.getlist(name) for name in request.args}
    return mapping.MethodRequest(
        http_method=request.method,
        path=path,
        path_params={},
        query={name: values[-1] for name, values in multi_query.items()},
        multi_query=multi_query,
        headers=Headers([(k, v) for k, v in request.headers.items()]),
        body=request.get_data(),
        content_type=content_type or "application/json",
    )


def _context(api: Any, snapshot: Snapshot | None, stage: str, method_request: mapping.MethodRequest,
             request: Request, request_id: str, epoch_ms: int) -> dict[str, Any]:
    return vtl.aws_context(
        api_id=api.id, stage=stage, http_method=method_request.http_method, resource_path="",
        resource_id="", path=f"/{stage}{method_request.path}", request_id=request_id,
        extended_request_id=uuid.uuid4().hex[:15].upper() + "=",
        account_id=api.account_id, deployment_id=snapshot.deployment_id if snapshot else "",
        domain_name=(request.host or "").split(":")[0], source_ip=request.remote_addr or "127.0.0.1",
        user_agent=request.headers.get("User-Agent"), request_time_epoch_ms=epoch_ms,
        protocol=request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
    )


def _integrate(snapshot: Snapshot, match: Any, request: mapping.MethodRequest, context: dict[str, Any],
               stage_variables: dict[str, str], outcome: _Outcome) -> tuple[int, list[tuple[str, str]], bytes]:
    integration = match.method.integration
    if integration is None:
        raise GatewayError("API_CONFIGURATION_ERROR", "Internal server error")
    kind = integration.type
    began = time.perf_counter()
    try:
        if kind == "AWS_PROXY":
            if integration.http_method != "POST":
                # Lambda is invoked with POST only: AWS answers 500 (an INTEGRATION_FAILURE, whose
                # documented 504 it does not use here: AWS-recorded test_lambda_aws_proxy_integration_non_post_method).
                raise GatewayError("INTEGRATION_FAILURE", "Internal server error", status=500)
            function = integrations.lambda_function_of(integration, stage_variables)
            event = lambdaproxy.event(request, match.resource.path, context, stage_variables)
            payload = json.dumps(event).encode()
            backend = integrations.with_timeout(
                lambda: integrations.invoke_lambda(function, payload, snapshot.account_id, snapshot.region),
                integration.timeout_ms)
            outcome.integration_status = backend.status
            return lambdaproxy.response(backend.body, backend.lambda_error is not None)
        if kind == "HTTP_PROXY":
            mapped = mapping.map_parameters(integration, request, context, stage_variables)
            forwarded = mapping.IntegrationRequest(
                headers={k: v for k, v in request.single_headers.items() if k.lower() not in ("host", "content-length")}
                | mapped.headers,
                query=request.multi_query | mapped.query,
                path_params=request.path_params | mapped.path_params,
                body=request.body,
            )
            backend = integrations.call_http(_call(integration, forwarded, request, snapshot, stage_variables), True)
            outcome.integration_status = backend.status
            return backend.status, list(backend.headers.items()), backend.body
        integration_request = mapping.map_parameters(integration, request, context, stage_variables)
        integration_request.body = mapping.request_body(integration, request, context, stage_variables)
        _apply_request_override(context, integration_request)
        call = _call(integration, integration_request, request, snapshot, stage_variables)
        if kind == "MOCK":
            backend = integrations.call_mock(integration_request.body)
        elif kind == "AWS":
            backend = integrations.with_timeout(lambda: integrations.call_aws(call), integration.timeout_ms)
        elif kind == "HTTP":
            backend = integrations.call_http(call, False)
        else:
            raise GatewayError("API_CONFIGURATION_ERROR", "Internal server error")
        outcome.integration_status = backend.status
    finally:
        outcome.integration_latency_ms = round((time.perf_counter() - began) * 1000, 3)
    is_lambda = kind == "AWS" and ":lambda:path/" in integration.uri
    selected = responsemap.select(integration, backend, is_lambda)
    return responsemap.apply(selected, backend, request, context, stage_variables)


def _call(integration: Any, integration_request: mapping.IntegrationRequest, request: mapping.MethodRequest,
          snapshot: Snapshot, stage_variables: dict[str, str]) -> integrations.Call:
    return integrations.Call(integration=integration, request=integration_request,
                             http_method=request.http_method, account_id=snapshot.account_id,
                             region=snapshot.region, stage_variables=stage_variables)


def _apply_request_override(context: dict[str, Any], integration_request: mapping.IntegrationRequest) -> None:
    """``#set($context.requestOverride.header.X = ...)`` and friends, set by the request template."""
    override = context.get("requestOverride") or {}
    for name, value in (override.get("header") or {}).items():
        integration_request.headers[name] = str(value)
    for name, value in (override.get("querystring") or {}).items():
        integration_request.query[name] = [str(value)]
    for name, value in (override.get("path") or {}).items():
        integration_request.path_params[name] = str(value)


def _gateway_response(error: GatewayError, snapshot: Snapshot | None, request: mapping.MethodRequest,
                      context: dict[str, Any], stage_variables: dict[str, str],
                      ) -> tuple[int, list[tuple[str, str]], bytes]:
    status, headers, body = gatewayresponses.render(
        error, snapshot, context, stage_variables,
        lambda ctx: mapping.template_request(request, ctx, stage_variables), request.headers.get("Accept"))
    return status, list(headers.items()), body


def _log(api: Any, stage_model: Any, stage: str, request: mapping.MethodRequest, context: dict[str, Any],
         outcome: _Outcome, status: int, length: int, started: float, epoch_ms: int) -> None:
    latency_ms = round((time.perf_counter() - started) * 1000, 3)
    metrics.api_request(api.account_id, api.region_name, api.name, stage, status, latency_ms,
                        outcome.integration_latency_ms)
    accesslog.record({
        "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch_ms / 1000)) + f".{epoch_ms % 1000:03d}+00:00",
        "apiId": api.id, "stage": stage, "httpMethod": request.http_method,
        "resourcePath": outcome.resource_path, "path": request.path, "status": status,
        "latencyMs": latency_ms, "integrationLatencyMs": outcome.integration_latency_ms,
        "apiKeyId": outcome.api_key_id, "requestId": context["requestId"],
    })
    settings = getattr(stage_model, "access_log_settings", None)
    if settings:
        variables = dict(context)
        variables.update(status=status, responseLatency=int(latency_ms), responseLength=length,
                         integrationLatency=int(outcome.integration_latency_ms or 0),
                         integrationStatus=outcome.integration_status,
                         integration={"latency": int(outcome.integration_latency_ms or 0),
                                      "status": outcome.integration_status})
        try:
            accesslog.write_to_cloudwatch(settings, variables, api.id, stage, epoch_ms)
        except Exception:  # a log destination problem never fails the request
            log.exception("access log delivery to %s failed", settings.get("destinationArn"))


def reset() -> None:
    """Forget snapshots, counters and the access log (sandbox reset)."""
    deployments.reset()
    limiter.reset()
    usage.reset()
    accesslog.reset()
    _api_locations.clear()
