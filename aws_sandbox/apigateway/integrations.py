"""Calling an integration: AWS service actions, Lambda (custom and proxy), HTTP, HTTP_PROXY, MOCK.

AWS service actions of the sandbox's own services are dispatched in-process: the rendered body
goes, as that service's JSON request with its ``X-Amz-Target`` (or as a query-protocol request
with ``Action=``), through the sandbox's own request handlers and moto's WSGI app, in this
process, with no HTTP connection. Lambda functions are invoked through ``lambda_runtime``.
The integration's ``credentials`` role is accepted but not evaluated.
"""
from __future__ import annotations

import io
import json
import re
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any
from collections.abc import Callable
from urllib.parse import quote, urlencode

import requests

from .. import awsapi, lambda_runtime
from .deployments import Integration
from .gatewayresponses import GatewayError
from .mapping import IntegrationRequest

AWS_URI = re.compile(
    r"^arn:aws[a-z-]*:apigateway:(?P<region>[^:]*):(?P<service>[^:/]+):(?P<kind>action|path)/(?P<rest>.*)$")
LAMBDA_PATH = re.compile(r"^2015-03-31/functions/(?P<function>.+?)/invocations$")
STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")

# JSON-protocol services: X-Amz-Target prefix and content type.
JSON_TARGETS: dict[str, tuple[str, str]] = {
    "states": ("AWSStepFunctions", "application/x-amz-json-1.0"),
    "dynamodb": ("DynamoDB_20120810", "application/x-amz-json-1.0"),
    "events": ("AWSEvents", "application/x-amz-json-1.1"),
    "kinesis": ("Kinesis_20131202", "application/x-amz-json-1.1"),
    "logs": ("Logs_20140328", "application/x-amz-json-1.1"),
    "sqs": ("AmazonSQS", "application/x-amz-json-1.0"),
}
# Query-protocol services: the API version sent with Action=.
QUERY_VERSIONS = {"sns": "2010-03-31", "sts": "2011-06-15", "iam": "2010-05-08"}


@dataclass
class BackendResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    lambda_error: str | None = None  # a Lambda function error's errorMessage (custom integration)


@dataclass
class Call:
    """Everything an integration needs about this request."""
    integration: Integration
    request: IntegrationRequest
    http_method: str  # the client's method (HTTP_PROXY forwards it)
    account_id: str
    region: str
    stage_variables: dict[str, str]


_pool = ThreadPoolExecutor(max_workers=64, thread_name_prefix="apigw-integration")
_http = requests.Session()


def with_timeout(call: Callable[[], BackendResponse], timeout_ms: int) -> BackendResponse:
    """Run ``call``; 504 Endpoint request timed out once ``timeout_ms`` has passed (the call
    itself carries on in its thread: a backend cannot be interrupted, as in AWS)."""
    future = _pool.submit(call)
    try:
        return future.result(timeout=timeout_ms / 1000)
    except FutureTimeout:
        raise GatewayError("INTEGRATION_TIMEOUT", "Endpoint request timed out") from None


def substitute_stage_variables(text: str, stage_variables: dict[str, str]) -> str:
    return STAGE_VARIABLE.sub(lambda m: stage_variables.get(m[1], ""), text) if "${" in text else text


# -- AWS service actions ----------------------------------------------------------------------
def call_aws(call: Call) -> BackendResponse:
    uri = substitute_stage_variables(call.integration.uri, call.stage_variables)
    match = AWS_URI.match(uri)
    if match is None:
        raise GatewayError("API_CONFIGURATION_ERROR", "Internal server error")
    region = match["region"] or call.region
    service, kind, rest = match["service"], match["kind"], match["rest"]
    if service == "lambda" and kind == "path":
        function = LAMBDA_PATH.match(rest)
        if function is None:
            raise GatewayError("API_CONFIGURATION_ERROR", "Internal server error")
        return invoke_lambda(function["function"], call.request.body, call.account_id, region)
    if kind == "action":
        return _call_service_action(service, rest, call, region)
    return _call_service_path(service, rest, call, region)


def _call_service_action(service: str, action: str, call: Call, region: str) -> BackendResponse:
    headers = dict(call.request.headers)
    query = {k: v[-1] for k, v in call.request.query.items()}
    body = call.request.body
    if service in JSON_TARGETS:
        prefix, content_type = JSON_TARGETS[service]
        headers["X-Amz-Target"] = f"{prefix}.{action}"
        headers["Content-Type"] = content_type
        if not body.strip():
            body = b"{}"
        try:
            json.loads(body)
        except ValueError:
            # What AWS's JSON services answer to a body that is not JSON (moto would fail with a 500),
            # e.g. the recipe's escapeJavaScript template on an order containing an apostrophe.
            return BackendResponse(400, {"Content-Type": content_type},
                                   b'{"__type":"com.amazon.coral.service#SerializationException"}')
    else:
        # Query protocol: Action= plus the mapped query string; the body is sent as mapped.
        query = {"Action": action, "Version": QUERY_VERSIONS.get(service, ""), **query}
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    return dispatch_in_process(service, region, call.integration.http_method, "/", query, headers, body)


def _call_service_path(service: str, path: str, call: Call, region: str) -> BackendResponse:
    for name, value in call.request.path_params.items():
        path = path.replace("{" + name + "}", quote(value, safe=""))
    query = {k: v[-1] for k, v in call.request.query.items()}
    return dispatch_in_process(service, region, call.integration.http_method, "/" + path, query,
                               dict(call.request.headers), call.request.body)


def dispatch_in_process(service: str, region: str, method: str, path: str, query: dict[str, str],
                        headers: dict[str, str], body: bytes) -> BackendResponse:
    """One AWS API request, answered by this process's WSGI handlers (no socket)."""
    environ = {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": path,
        "QUERY_STRING": urlencode(query), "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body), "wsgi.errors": io.StringIO(), "wsgi.multithread": True,
        "wsgi.multiprocess": False, "wsgi.run_once": False, "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": f"{service}.{region}.amazonaws.com",
        # moto picks the service and region from the credential scope; the signature is not checked.
        "HTTP_AUTHORIZATION": (f"AWS4-HMAC-SHA256 Credential=test/20260101/{region}/{service}/aws4_request, "
                               "SignedHeaders=host, Signature=0"),
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif key not in ("HOST", "AUTHORIZATION", "CONTENT_LENGTH"):
            environ["HTTP_" + key] = value
    started: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        started["status"] = int(status.split(" ", 1)[0])
        started["headers"] = dict(response_headers)

    chunks = awsapi.app()(environ, start_response)
    try:
        payload = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return BackendResponse(started["status"], started["headers"], payload)


# -- Lambda ---------------------------------------------------------------------------------
def invoke_lambda(function: str, payload: bytes, account_id: str, region: str) -> BackendResponse:
    """Invoke a function (name or ARN); a function error's errorMessage feeds selectionPattern."""
    name, qualifier = function, None
    if function.startswith("arn:"):
        parts = function.split(":")
        region, account_id, name = parts[3] or region, parts[4] or account_id, parts[6]
        qualifier = parts[7] if len(parts) > 7 else None
    status, headers, body = lambda_runtime.invoke_function(
        account_id, region, name, payload or b"{}", invocation_type="RequestResponse", qualifier=qualifier)
    if status >= 300:
        # Function missing, throttled, ...: API Gateway answers 500.
        raise GatewayError("API_CONFIGURATION_ERROR", "Internal server error")
    error = None
    if any(k.lower() == "x-amz-function-error" for k in headers):
        try:
            error = str(json.loads(body).get("errorMessage", ""))
        except (ValueError, AttributeError):
            error = body.decode("utf-8", "replace")
    return BackendResponse(200, {"Content-Type": "application/json"}, body, lambda_error=error)


def lambda_function_of(integration: Integration, stage_variables: dict[str, str]) -> str:
    match = AWS_URI.match(substitute_stage_variables(integration.uri, stage_variables))
    function = LAMBDA_PATH.match(match["rest"]) if match and match["service"] == "lambda" else None
    if function is None:
        raise GatewayError("API_CONFIGURATION_ERROR", "Internal server error")
    return function["function"]


# -- HTTP -------------------------------------------------------------------------------------
def call_http(call: Call, forward_method: bool) -> BackendResponse:
    """HTTP (custom) or HTTP_PROXY: ``{param}`` in the URI comes from the mapped path parameters."""
    url = substitute_stage_variables(call.integration.uri, call.stage_variables)
    for name, value in call.request.path_params.items():
        # A greedy {proxy+} value keeps its slashes when it fills the URI's {proxy}.
        url = url.replace("{" + name + "+}", quote(value, safe="/")).replace("{" + name + "}", quote(value, safe="/"))
    forward = forward_method or call.integration.http_method == "ANY"
    method = call.http_method if forward else call.integration.http_method
    try:
        response = _http.request(method, url, params=call.request.query or None, headers=call.request.headers,
                                 data=call.request.body or None, timeout=call.integration.timeout_ms / 1000,
                                 allow_redirects=False)
    except requests.Timeout:
        raise GatewayError("INTEGRATION_TIMEOUT", "Endpoint request timed out") from None
    except requests.RequestException:
        raise GatewayError("INTEGRATION_FAILURE", "Internal server error") from None
    headers = {k: v for k, v in response.headers.items()
               if k.lower() not in ("transfer-encoding", "connection", "content-length", "content-encoding")}
    return BackendResponse(response.status_code, headers, response.content)


# -- MOCK -------------------------------------------------------------------------------------
# An object member name without quotes, right after `{` or `,`: `{statusCode: 200}`.
_UNQUOTED_NAME = re.compile(r'([{,]\s*)([A-Za-z_$][\w$]*)(\s*:)')


def call_mock(body: bytes) -> BackendResponse:
    """The status comes from the rendered request template's ``statusCode``; the body is empty.

    AWS reads the template leniently: member names need no quotes (CDK's CORS preflight method
    renders ``{statusCode: 200}``, which AWS answers with a 200: recorded in LocalStack's
    test_integration_mock_with_path_param). Anything else that is not JSON is a 500."""
    text = (body or b'{"statusCode": 200}').decode("utf-8", "replace")
    try:
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = json.loads(_UNQUOTED_NAME.sub(r'\1"\2"\3', text))
        status = int(parsed.get("statusCode", 200))
    except (ValueError, AttributeError, TypeError):
        raise GatewayError("API_CONFIGURATION_ERROR", "Internal server error") from None
    return BackendResponse(status, {}, b"")
