"""API Gateway HTTP APIs (v2) data plane: moto 5.2.5 has only their control plane.

What it serves, on the same invoke URLs as REST APIs (``/_aws/execute-api/{apiId}/{stage}/...``):
- routes ``METHOD /path``, ``ANY /path``, ``{param}`` and greedy ``{proxy+}`` segments, and
  ``$default``; the most specific route wins (a literal segment over a parameter over a greedy one,
  a method over ``ANY``); no route: 404 ``{"message":"Not Found"}``;
- ``AWS_PROXY`` Lambda integrations with payload format 2.0 (the event: ``version``, ``routeKey``,
  ``rawPath``, ``rawQueryString``, lower-case ``headers`` with repeated values joined by commas,
  ``cookies``, ``requestContext.http``...; the answer: an object with ``statusCode`` is an HTTP
  answer, anything else is a 200 JSON body; a function error: 500 ``Internal Server Error``);
- the first-class Step Functions integrations (``IntegrationSubtype``
  ``StepFunctions-StartExecution`` / ``StepFunctions-StartSyncExecution``) with their request
  parameters (``StateMachineArn``, ``Input``, ``Name``) mapped from ``$request.body``,
  ``$request.body.<field>``, ``$request.header.<name>``, ``$request.querystring.<name>``,
  ``$request.path.<name>``, ``$context.requestId`` or static text; the service's answer is the
  HTTP answer.
Not served (answered 500): payload format 1.0, HTTP_PROXY, other AWS subtypes, authorizers,
throttling, CORS; stages serve the live routes (as ``autoDeploy`` does).
"""
from __future__ import annotations

import base64
import json
import re
import time
import uuid
from typing import Any

from werkzeug.wrappers import Request, Response

NOT_FOUND = b'{"message":"Not Found"}'
INTERNAL_ERROR = b'{"message":"Internal Server Error"}'
STEP_FUNCTIONS_ACTIONS = {"StepFunctions-StartExecution": "StartExecution",
                          "StepFunctions-StartSyncExecution": "StartSyncExecution"}


def locate(api_id: str) -> tuple[str, str, Any] | None:
    """(account, region, moto's Api) of an HTTP API, or None (not an HTTP API of this sandbox)."""
    from moto.apigatewayv2.models import apigatewayv2_backends

    for account_id, regions in list(apigatewayv2_backends.items()):
        for region, backend in list(regions.items()):
            api = backend.apis.get(api_id)
            if api is not None and api.protocol_type == "HTTP":
                return account_id, region, api
    return None


def serves(api_id: str) -> bool:
    return locate(api_id) is not None


def _json(status: int, body: bytes, request_id: str, headers: dict[str, str] | None = None) -> Response:
    response = Response(body, status=status, content_type="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    response.headers["apigw-requestid"] = request_id
    return response


# -- routes -----------------------------------------------------------------------------------
def _route_pattern(path: str) -> tuple[re.Pattern[str], tuple[int, ...]]:
    """A regex for a route path, and its specificity (per segment: 2 literal, 1 parameter, 0 greedy)."""
    parts, rank = [], []
    for segment in path.strip("/").split("/") if path.strip("/") else []:
        greedy = re.fullmatch(r"\{([A-Za-z0-9_]+)\+\}", segment)
        param = re.fullmatch(r"\{([A-Za-z0-9_]+)\}", segment)
        if greedy:
            parts.append(f"(?P<{greedy[1]}>.+)")
            rank.append(0)
        elif param:
            parts.append(f"(?P<{param[1]}>[^/]+)")
            rank.append(1)
        else:
            parts.append(re.escape(segment))
            rank.append(2)
    return re.compile("^/" + "/".join(parts) + "$"), tuple(rank)


def match_route(routes: list[Any], method: str, path: str) -> tuple[Any, dict[str, str]] | None:
    """The route a request takes and its path parameters, or None."""
    best, best_key, fallback = None, None, None
    for route in routes:
        if route.route_key == "$default":
            fallback = route
            continue
        verb, _, route_path = route.route_key.partition(" ")
        if verb not in (method, "ANY"):
            continue
        pattern, rank = _route_pattern(route_path)
        found = pattern.match(path)
        if found:
            key = (rank, verb != "ANY")
            if best_key is None or key > best_key:
                best, best_key = (route, found.groupdict()), key
    if best is not None:
        return best
    return (fallback, {}) if fallback is not None else None


# -- the request -------------------------------------------------------------------------------
def event_v2(request: Request, route_key: str, stage: str, path: str, path_params: dict[str, str],
             stage_variables: dict[str, str], account_id: str, api_id: str, request_id: str) -> dict[str, Any]:
    """The Lambda event of payload format 2.0."""
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        lower = name.lower()
        if lower == "cookie":
            continue
        headers[lower] = f"{headers[lower]},{value}" if lower in headers else value
    query = {name: ",".join(request.args.getlist(name)) for name in request.args}
    cookies = [c.strip() for c in request.headers.get("Cookie", "").split(";") if c.strip()]
    body_bytes = request.get_data()
    body, is_base64 = None, False
    if body_bytes:
        try:
            body = body_bytes.decode("utf-8")
        except UnicodeDecodeError:
            body, is_base64 = base64.b64encode(body_bytes).decode(), True
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0", "routeKey": route_key, "rawPath": path,
        "rawQueryString": request.query_string.decode("latin-1"),
        "headers": headers,
        "requestContext": {
            "accountId": account_id, "apiId": api_id, "domainName": (request.host or "").split(":")[0],
            "domainPrefix": api_id,
            "http": {"method": request.method, "path": path,
                     "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                     "sourceIp": request.remote_addr or "127.0.0.1",
                     "userAgent": request.headers.get("User-Agent", "")},
            "requestId": request_id, "routeKey": route_key, "stage": stage,
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)), "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": is_base64,
    }
    # Keys without values are left out, as API Gateway does.
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if path_params:
        event["pathParameters"] = path_params
    if stage_variables:
        event["stageVariables"] = stage_variables
    if body is not None:
        event["body"] = body
    return event


def answer_v2(payload: bytes) -> tuple[int, dict[str, str], list[str], bytes]:
    """(status, headers, cookies, body) from a function's payload-2.0 answer; ValueError if unusable."""
    result = json.loads(payload)
    if not (isinstance(result, dict) and "statusCode" in result):
        # Anything else is the body of a 200 JSON answer.
        return 200, {"Content-Type": "application/json"}, [], json.dumps(result).encode()
    status = int(result["statusCode"])
    headers = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in (result.get("headers") or {}).items()}
    cookies = [str(c) for c in result.get("cookies") or []]
    body = result.get("body")
    if body is None:
        data = b""
    elif isinstance(body, str):
        data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    else:
        raise ValueError("body must be a string")
    headers.setdefault("Content-Type", "application/json")
    return status, headers, cookies, data


def _mapped(source: str, request: Request, path_params: dict[str, str], request_id: str) -> str:
    """One request-parameter value: ``$request.body[.field]``, ``$request.header.x``, ... or static text."""
    def value(match: re.Match[str]) -> str:
        where, name = match["where"], match["name"]
        if where == "request.body":
            if not name:
                return request.get_data(as_text=True)
            current: Any = json.loads(request.get_data() or b"{}")
            for part in name.split("."):
                current = current.get(part) if isinstance(current, dict) else None
            return current if isinstance(current, str) else json.dumps(current)
        if where == "request.header":
            return request.headers.get(name, "")
        if where == "request.querystring":
            return request.args.get(name, "")
        if where == "request.path":
            return path_params.get(name, "")
        if where == "context" and name == "requestId":
            return request_id
        return ""

    return re.sub(r"\$\{?(?P<where>request\.(?:body|header|querystring|path)|context)\.?(?P<name>[A-Za-z0-9_.-]*)\}?",
                  value, source)


# -- one request -----------------------------------------------------------------------------
def handle(request: Request, api_id: str, stage_name: str, path: str) -> Response:
    """Serve ``request`` on stage ``stage_name`` of HTTP API ``api_id``."""
    from .apigateway import integrations

    request_id = str(uuid.uuid4())
    located = locate(api_id)
    if located is None:
        return _json(404, NOT_FOUND, request_id)
    account_id, region, api = located
    stage = api.stages.get(stage_name)
    if stage is None:
        return _json(404, NOT_FOUND, request_id)
    matched = match_route(list(api.routes.values()), request.method, path)
    if matched is None:
        return _json(404, NOT_FOUND, request_id)
    route, path_params = matched
    target = route.target or ""
    integration = api.integrations.get(target.split("/", 1)[1]) if target.startswith("integrations/") else None
    if integration is None:
        return _json(404, NOT_FOUND, request_id)
    try:
        subtype = integration.integration_subtype
        if integration.integration_type == "AWS_PROXY" and subtype in STEP_FUNCTIONS_ACTIONS:
            parameters = {name: _mapped(source, request, path_params, request_id)
                          for name, source in (integration.request_parameters or {}).items()}
            body = {"stateMachineArn": parameters.get("StateMachineArn", ""), "input": parameters.get("Input", "{}")}
            if parameters.get("Name"):
                body["name"] = parameters["Name"]
            served = integrations.dispatch_in_process(
                "states", region, "POST", "/", {},
                {"X-Amz-Target": f"AWSStepFunctions.{STEP_FUNCTIONS_ACTIONS[subtype]}",
                 "Content-Type": "application/x-amz-json-1.0"}, json.dumps(body).encode())
            return _json(served.status, served.body, request_id)
        if (integration.integration_type == "AWS_PROXY" and not subtype
                and (integration.payload_format_version or "2.0") == "2.0"):
            function = integration.integration_uri or ""
            found = re.search(r"functions/(?P<arn>.+?)/invocations$", function)
            function = found["arn"] if found else function
            event = event_v2(request, route.route_key, stage_name, path, path_params,
                             dict(stage.stage_variables or {}), account_id, api_id, request_id)
            backend = integrations.invoke_lambda(function, json.dumps(event).encode(), account_id, region)
            if backend.lambda_error is not None:
                return _json(500, INTERNAL_ERROR, request_id)
            status, headers, cookies, data = answer_v2(backend.body)
            response = Response(data, status=status)
            response.headers.clear()
            for name, value in headers.items():
                response.headers[name] = value
            for cookie in cookies:
                response.headers.add("Set-Cookie", cookie)
            response.headers["apigw-requestid"] = request_id
            return response
    except Exception:  # a missing function, an unusable answer: API Gateway answers 500
        return _json(500, INTERNAL_ERROR, request_id)
    return _json(500, INTERNAL_ERROR, request_id)

