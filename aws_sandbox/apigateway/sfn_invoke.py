"""``arn:aws:states:::apigateway:invoke`` in the sandbox's Step Functions reaches this data plane.

moto's interpreter (``StateTaskServiceApiGateway._eval_service_task``) sends the call with
``requests`` to ``{ApiEndpoint}/{Stage}/_user_request_/{Path}``, which for the AWS form of the
endpoint (``<apiId>.execute-api.<region>.amazonaws.com``, no scheme) is not even a URL, and it
fails every status but 200; and it drops every parameter but ApiEndpoint and Method before the
call (its list of supported parameters is short), so Stage, Path, Headers, QueryParameters and
RequestBody never arrive. ``install()`` completes that list and replaces the one method: for an execute-api endpoint
the request is served in-process by ``dataplane.handle`` (no socket, no rewrite of the
definition); any 2xx succeeds with AWS's output shape (Headers as {name: [values]}, ResponseBody
parsed when JSON, StatusCode, StatusText); other statuses fail the task as ``ApiGateway.<status>``
with the body as cause. Other endpoints keep moto's behaviour.
"""
from __future__ import annotations

import http
import json
import re
import time
import uuid
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from ..patching import replace
from . import dataplane

EXECUTE_API = re.compile(r"^(?:https?://)?(?P<api>[A-Za-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(?::\d+)?/?$")
BODY_METHODS = {"PATCH", "POST", "PUT"}
# The Parameters of apigateway:invoke in AWS's Step Functions documentation.
INVOKE_PARAMETERS = {"ApiEndpoint", "Method", "Headers", "Stage", "Path", "QueryParameters", "RequestBody",
                     "AllowNullValues", "AuthType"}

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_api_gateway as module,
    )

    service = module.StateTaskServiceApiGateway
    replace(service, "_SUPPORTED_API_PARAM_BINDINGS", {module.SupportedApiCalls.invoke: INVOKE_PARAMETERS})

    def _eval_service_task(self: Any, env: Any, resource_runtime_part: Any, normalised_parameters: dict,
                           *args: Any, **kwargs: Any) -> None:
        endpoint = EXECUTE_API.match(str(normalised_parameters.get("ApiEndpoint", "")))
        if endpoint is None:
            return moto_eval(self, env, resource_runtime_part, normalised_parameters, *args, **kwargs)
        parameters = normalised_parameters
        method = str(parameters["Method"]).upper()
        headers = service._headers_of(parameters) or {}
        body = parameters.get("RequestBody")
        if body is not None and method not in BODY_METHODS:
            raise ValueError(f"RequestBody is only supported for PATCH, POST and PUT, not {method}")
        response = invoke(endpoint["api"], str(parameters.get("Stage") or ""), str(parameters.get("Path") or ""),
                          method, headers, parameters.get("QueryParameters"), body)
        if not 200 <= response.status_code < 300:
            raise module.SfnGatewayException(parameters=parameters, response=response)
        env.stack.append(output_of(response))

    moto_eval = replace(service, "_eval_service_task", _eval_service_task)
    _installed = True


def invoke(api_id: str, stage: str, path: str, method: str, headers: dict[str, Any],
           query: dict[str, Any] | None, body: Any) -> requests.Response:
    """Serve one apigateway:invoke call through the data plane; a ``requests.Response`` back."""
    path = "/" + path.lstrip("/")
    query_pairs = []
    for name, values in (query or {}).items():
        for value in values if isinstance(values, list) else [values]:
            query_pairs.append((name, "" if value is None else str(value)))
    flat_headers = {name: ",".join(map(str, v)) if isinstance(v, list) else str(v) for name, v in headers.items()}
    data = json.dumps(body).encode() if body is not None else b""
    environ = EnvironBuilder(method=method, path=path, query_string=urlencode(query_pairs), headers=flat_headers,
                             data=data, base_url=f"https://{api_id}.execute-api.amazonaws.com").get_environ()
    served = dataplane.handle(Request(environ), api_id, stage, urlsplit(path).path)
    response = requests.Response()
    response.status_code = served.status_code
    response._content = served.get_data()
    response.encoding = "utf-8"
    response.headers.update(served.headers.items())
    response.headers["Content-Length"] = str(len(response._content))
    response.headers["Date"] = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())
    return response


def output_of(response: requests.Response) -> dict[str, Any]:
    """AWS's task output: every header value a list; the body parsed when it is JSON."""
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    headers: dict[str, list[str]] = {}
    for name, value in response.headers.items():
        headers.setdefault(name, []).append(value)
    headers["Content-Type"] = ["application/json"]  # as AWS reports it for this integration
    headers.pop("content-type", None)
    headers.setdefault("Connection", ["keep-alive"])
    headers.setdefault("x-amzn-RequestId", [str(uuid.uuid4())])
    return {
        "Headers": headers,
        "ResponseBody": body,
        "StatusCode": response.status_code,
        "StatusText": http.HTTPStatus(response.status_code).phrase,
    }
