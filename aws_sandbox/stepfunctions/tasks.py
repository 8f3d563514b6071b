"""Task dispatch: how a Task state reaches a service, and how a service's error becomes the
Error and Cause that Retry and Catch match.

- ``task_client``: one boto3 client per (service, region), answered by moto's backends in this
  process (moto builds a client per Task and calls itself over HTTP) -- a speed path;
- ``dynamodb_call`` and ``lambda_invoke``: the two integrations every order workflow calls,
  without botocore's HTTP machinery (same serializer, handler and parser) -- speed paths;
- a Lambda error's Cause is the function's error JSON exactly as the function returned it,
  and its ``errorType`` is the Error (``install_lambda_errors``) -- a correctness fix;
- ``apigateway:invoke`` fails with ``ApiGateway.<status>`` and the body as Cause
  (``install_api_gateway_errors``) -- a correctness fix.

The path of a Lambda error to Retry/Catch: the worker reports the handler's exception
(``lambda_worker``) -> ``lambda_runtime`` answers Invoke with ``X-Amz-Function-Error`` ->
``install_lambda_errors`` raises moto's ``LambdaFunctionErrorException`` with the payload
verbatim -> moto's interpreter turns it into a failure event whose Error is the errorType,
which its Retry/Catch declarations match.
"""
from __future__ import annotations

import functools
import io
import json
import os
import threading
import uuid
from typing import Any

from moto.core.exceptions import HTTPException

from .. import dynamodb_json, lambda_runtime
from ..patching import rebind, replace


# ----------------------------------------------------------------------------------------
# Task states: one in-process client per (service, region)
# ----------------------------------------------------------------------------------------
_clients: dict[tuple[str, str], Any] = {}
_clients_lock = threading.Lock()


def task_client(region: str, service: str, state_credentials: Any = None):
    """moto's ``boto_client_for``, cached, and answered by moto's backends in this process.

    The client keeps AWS's own endpoint; moto's ``BotocoreStubber`` (what ``mock_aws`` uses)
    answers each request from the backends before anything is sent, so a Task costs no
    socket, no HTTP server thread and no new client (~10 ms each in moto).
    """
    key = (service, region)
    client = _clients.get(key)
    if client is None:
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = _new_in_process_client(service, region)
    return client


def _new_in_process_client(service: str, region: str):
    import botocore.session
    from botocore.awsrequest import AWSResponse
    from botocore.config import Config
    from moto.core.botocore_stubber import BotocoreStubber, MockRawResponse

    stubber = BotocoreStubber()

    def answer_in_process(request, **_: Any) -> AWSResponse:
        answer = stubber.process_request(request)
        if answer is None:  # never let a Task reach the real AWS endpoint
            status, headers, body = 501, {}, json.dumps(
                {"__type": "NotImplemented", "message": f"the sandbox does not serve {request.url}"})
        else:
            status, headers, body = answer
        return AWSResponse(request.url, status, headers, MockRawResponse(body))

    client = botocore.session.Session().create_client(
        service, region_name=region, aws_access_key_id="ak", aws_secret_access_key="sk",
        config=Config(parameter_validation=False, retries={"total_max_attempts": 1}),
    )
    client.meta.events.register("before-send", answer_in_process)
    return client


def install_in_process_tasks() -> None:
    """Speed path: Task calls answered in-process (``task_client``, ``dynamodb_call``)."""
    import moto.stepfunctions.parser.asl.parse.preprocessor  # noqa: F401 (imports every Task)
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb import (
        StateTaskServiceDynamoDB,
    )
    from moto.stepfunctions.parser.asl.utils import boto_client

    rebind("moto.stepfunctions.parser", "boto_client_for", boto_client.boto_client_for, task_client)

    def eval_service_task(self, env, resource_runtime_part, normalised_parameters, state_credentials):
        # moto: getattr(client, api_action)(**parameters), then drops ResponseMetadata.
        response = dynamodb_call(resource_runtime_part.region, self._get_boto_service_action(),
                                 normalised_parameters)
        response.pop("ResponseMetadata", None)
        env.stack.append(response)

    replace(StateTaskServiceDynamoDB, "_eval_service_task", eval_service_task)


# The two integrations every order workflow calls skip botocore's HTTP machinery (endpoint
# resolution, user agent, SigV4 signing, event hooks) and moto's URL routing, which cost
# ~1 ms of the ~1.5 ms a call took. What a Task sees is unchanged by construction: the
# request is still serialised by botocore's serializer and answered by moto's own handler
# (DynamoDB) or the sandbox's Invoke (Lambda), and the answer is parsed by botocore's parser
# and raised as the client's own ClientError subclass.
def dynamodb_call(region: str, method_name: str, parameters: dict) -> dict:
    """``task_client(region, "dynamodb").<method_name>(**parameters)``, answered in-process."""
    from moto.core.request import Request
    from moto.dynamodb.responses import DynamoHandler

    client = task_client(region, "dynamodb")
    operation = client.meta.service_model.operation_model(client.meta.method_to_api_mapping[method_name])
    body = dynamodb_json.request_body(operation.input_shape, parameters)  # botocore's bytes, without its walk
    if body is None:
        request = _serializer("json").serialize_to_request(parameters, operation)
        body, request_headers = request["body"], request["headers"]
    else:
        request_headers = {"X-Amz-Target": f"DynamoDB_20120810.{operation.name}",
                           "Content-Type": "application/x-amz-json-1.0"}
    url = client.meta.endpoint_url + "/"
    host = url.split("/")[2]
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/", "QUERY_STRING": "", "SERVER_NAME": host,
        "SERVER_PORT": "443", "wsgi.url_scheme": "https", "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)), "HTTP_HOST": host,
        # what moto reads from the signature: the caller's access key (account) and region
        "HTTP_AUTHORIZATION": f"AWS4-HMAC-SHA256 Credential={TASK_ACCESS_KEY}/20150830/{region}/dynamodb/aws4_request",
    }
    for name, value in request_headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    moto_request = Request(environ)
    try:
        status, headers, answer = DynamoHandler.dispatch(moto_request, url, moto_request.headers)
    except HTTPException as error:  # as moto's BotocoreStubber answers them
        status, headers, answer = error.code, error.get_headers(), error.get_body()
    return _parsed(client, operation, status, headers, answer)


def lambda_invoke(region: str, parameters: dict) -> dict:
    """``task_client(region, "lambda").invoke(**parameters)``, answered by the Lambda runtime."""
    client = task_client(region, "lambda")
    operation = client.meta.service_model.operation_model("Invoke")
    payload = parameters.get("Payload") or b""
    context = parameters.get("ClientContext")
    status, headers, answer = lambda_runtime.invoke_function(
        task_account(), region, parameters["FunctionName"],
        payload.encode() if isinstance(payload, str) else payload,
        parameters.get("InvocationType") or "RequestResponse", parameters.get("Qualifier"),
        log_type=parameters.get("LogType"),
        client_context=lambda_runtime.decode_client_context(context) if context else None)
    # moto's handler gave its error answers a request id too, which the Task's Cause quotes.
    headers.setdefault("x-amzn-RequestId", str(uuid.uuid4()))
    return _parsed(client, operation, status, headers, answer)


# Task calls use moto's own credentials (``boto_client_for``): access key "ak", whose account
# moto looks up as for any caller.
TASK_ACCESS_KEY = "ak"


def task_account() -> str:
    """The account moto answers a Task's call for (MOTO_ACCOUNT_ID, else the key's owner)."""
    from moto.iam.models import get_account_id_from

    return os.environ.get("MOTO_ACCOUNT_ID") or get_account_id_from(TASK_ACCESS_KEY)


@functools.cache
def _serializer(protocol: str):
    import botocore.serialize

    return botocore.serialize.create_serializer(protocol, include_validation=False)


def _parsed(client, operation, status: int, headers: Any, body: bytes | str) -> dict:
    """The answer as botocore's client returns it, or raises it (``BaseClient._make_api_call``)."""
    import botocore.parsers
    from botocore.awsrequest import HeadersDict
    from botocore.response import StreamingBody

    if isinstance(body, str):
        body = body.encode("utf-8")
    response = {"headers": HeadersDict(headers), "status_code": status,
                "context": {"operation_name": operation.name}, "body": body}
    if status < 300 and operation.has_streaming_output:
        response["body"] = StreamingBody(io.BytesIO(body), len(body))
    parsed = botocore.parsers.create_parser(operation.service_model.resolved_protocol).parse(
        response, operation.output_shape)
    if status >= 300:
        raise client.exceptions.from_code(parsed.get("Error", {}).get("Code"))(parsed, operation.name)
    return parsed


def install_api_gateway_errors() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_api_gateway import (
        StateTaskServiceApiGateway,
    )

    replace(StateTaskServiceApiGateway, "_from_error", _api_gateway_failure)


def _api_gateway_failure(self, env, ex: Exception):
    """moto's ``_from_error`` for apigateway:invoke omits the Environment FailureEvent needs,
    so every API error became States.Runtime; AWS fails the Task with ApiGateway.{status}
    and the response body as Cause."""
    from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import (
        CustomErrorName,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_api_gateway import (
        SfnGatewayException,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    if isinstance(ex, SfnGatewayException):
        error, cause = f"ApiGateway.{ex.response.status_code}", ex.response.text
    else:
        error, cause = f"ApiGateway.{type(ex).__name__}", str(ex)
    return FailureEvent(
        env=env, error_name=CustomErrorName(error), event_type=HistoryEventType.TaskFailed,
        event_details=EventDetails(taskFailedEventDetails=TaskFailedEventDetails(
            error=error, cause=cause, resource=self._get_sfn_resource(),
            resourceType=self._get_sfn_resource_type())),
    )


# ----------------------------------------------------------------------------------------
# Lambda errors: Cause exactly as the function gave it
# ----------------------------------------------------------------------------------------
def install_lambda_errors(in_process: bool) -> None:
    """Correctness fix; ``in_process`` (a speed path) calls ``lambda_invoke`` instead of a boto3 client."""
    from moto.stepfunctions.parser.api import InvocationResponse
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
    from moto.stepfunctions.parser.asl.utils import boto_client
    from moto.utilities.collections import select_from_typed_dict

    def execute_lambda_function_integration(env, parameters, region, state_credentials) -> None:
        """moto re-serialises the error payload compactly; AWS passes the function's error JSON
        through verbatim as the Cause (``{"errorMessage": ..., "errorType": ...}``), and the
        errorType is the Error name Retry/Catch match (both Task forms use this function)."""
        if env.is_mocked_mode():
            return moto_integration(env, parameters, region, state_credentials)
        if in_process:
            response = lambda_invoke(region, parameters)
        else:  # moto's own call: a boto3 client to the sandbox over HTTP
            response = boto_client.boto_client_for(
                region=region, service="lambda", state_credentials=state_credentials).invoke(**parameters)
        payload_text = response["Payload"].read().decode("utf-8")
        if response.get("FunctionError"):
            raise lambda_eval_utils.LambdaFunctionErrorException(response["FunctionError"], payload_text)
        try:
            response["Payload"] = json.loads(payload_text)
        except ValueError:
            response["Payload"] = payload_text
        env.stack.append(select_from_typed_dict(typed_dict=InvocationResponse, obj=response))

    moto_integration = replace(lambda_eval_utils, "execute_lambda_function_integration",
                               execute_lambda_function_integration)
