"""Step Functions as AWS runs them: small patches to moto's ASL interpreter, and StartSyncExecution.

moto 5.2.5 interprets ASL with a port of LocalStack's interpreter (``moto/stepfunctions/parser``).
Each patch below closes one gap against AWS or removes one avoidable cost, and says which:

- executions: a missing ``name`` gets a UUID (moto names it ``None``); names are validated;
  a Standard start with a running execution's name and input is answered idempotently under a
  lock (two racing retries of one POST start one workflow); Express executions get AWS's
  ``:express:`` ARNs, no idempotency, and are neither listed nor described (as on AWS);
- ``StartSyncExecution`` for Express machines (moto has none), answered by ``handle_operation``,
  which also answers StartExecution and DescribeExecution without moto's dispatcher;
- Task states call moto's backends in-process through one cached boto3 client per
  (service, region) (moto builds a client per Task and calls itself over HTTP); DynamoDB and
  Lambda Tasks skip the client's HTTP machinery too (same serializer, handler and parser);
- Task states without TimeoutSeconds run without a thread of their own; state data is copied
  as JSON; DescribeExecution finds an execution by ARN (moto scanned them all);
- each ASL definition is parsed once, and each JSONPath once (moto re-parses both every time);
- a Lambda error's Cause is the function's error JSON exactly as the function returned it;
- ``StringMatches`` treats only ``*`` as a wildcard (moto used shell-style ``fnmatch``);
- ``LAB_SANDBOX_SFN_TIME_SCALE`` (tests only) scales Retry and Wait delays.
"""
from __future__ import annotations

import calendar
import copy
import datetime
import functools
import io
import json
import math
import os
import re
import sys
import threading
import time
import uuid
from typing import Any

from moto.core.exceptions import AWSError, HTTPException, JsonRESTError
from moto.stepfunctions.exceptions import InvalidArn, InvalidExecutionInput, InvalidName
from werkzeug.wrappers import Request, Response

# Tests set this (e.g. 0.01) so Retry intervals and Wait states take 1/100 of their time.
TIME_SCALE_ENV = "LAB_SANDBOX_SFN_TIME_SCALE"
# Express executions are billed in 64 MB steps and rounded up to the next 100 ms.
BILLED_MEMORY_MB = 64
BILLING_STEP_MS = 100

_installed = False
_install_lock = threading.Lock()


def install(port: int) -> None:
    """Install every patch (once per process); ``port`` is where the sandbox listens."""
    global _installed
    with _install_lock:
        if _installed:
            return
        _patch_executions()
        _patch_task_clients()
        _patch_api_gateway_errors()
        _patch_lambda_errors()
        _patch_parsing()
        _patch_string_matches()
        _patch_context_timestamps()
        _patch_time_scale(float(os.environ.get(TIME_SCALE_ENV) or 1.0))
        _patch_thread_registry()
        _patch_inline_tasks()
        _patch_copies()
        _patch_branch_thread_names()
        _installed = True


# ----------------------------------------------------------------------------------------
# Executions: names, idempotency, Express
# ----------------------------------------------------------------------------------------
class StateMachineTypeNotSupported(AWSError):
    TYPE = "StateMachineTypeNotSupported"
    STATUS = 400


# AWS: 1-80 characters, none of whitespace, < > { } [ ] ? * " # % \ ^ | ~ ` $ & , ; : /
# or control characters (API_StartExecution, "name").
_INVALID_NAME = re.compile(r'[\s<>{}\[\]?*"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]')
_start_lock = threading.Lock()


def validate_execution_name(name: str) -> None:
    if not 1 <= len(name) <= 80 or _INVALID_NAME.search(name):
        raise InvalidName(f"Invalid Name: '{name}'")


def _patch_executions() -> None:
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    moto_start = StepFunctionsParserBackend.start_execution
    moto_describe = StepFunctionsParserBackend.describe_execution
    moto_history = StepFunctionsParserBackend.get_execution_history
    moto_list = StepFunctionsParserBackend.list_executions

    def start_execution(self, state_machine_arn, name=None, execution_input=None, trace_header=None):
        if name is not None:
            validate_execution_name(name)
        name = name or str(uuid.uuid4())
        state_machine = self.describe_state_machine(state_machine_arn)
        if state_machine.type == "EXPRESS":
            execution = _new_execution(self, state_machine, name, execution_input, trace_header)
            execution.start()  # runs in its own thread, as moto's Standard executions do
            return execution
        # moto checks name+input against earlier executions, then appends the new one: the
        # lock makes that one step, so a retried request never starts a second workflow.
        with _start_lock:
            execution = moto_start(self, state_machine_arn, name, execution_input, trace_header)
        _execution_index(self)[execution.execution_arn] = (state_machine, execution)
        return execution

    def describe_execution(self, execution_arn):
        _refuse_express_arn(execution_arn)
        # moto finds an execution by scanning every execution of its machine (clients poll
        # DescribeExecution: that grows with every order taken). The index answers as moto
        # would whenever moto would look in the machine the execution was started on.
        known = _execution_index(self).get(execution_arn)
        if known is not None:
            try:
                if self._get_state_machine_for_execution(execution_arn) is known[0]:
                    return known[1]
            except JsonRESTError:
                pass
        return moto_describe(self, execution_arn)

    def get_execution_history(self, execution_arn):
        _refuse_express_arn(execution_arn)
        return moto_history(self, execution_arn)

    def list_executions(self, state_machine_arn, **filters):
        if self.describe_state_machine(state_machine_arn).type == "EXPRESS":
            raise StateMachineTypeNotSupported(
                "This operation is not supported by this type of state machine")
        return moto_list(self, state_machine_arn, **filters)

    StepFunctionsParserBackend.start_execution = start_execution
    StepFunctionsParserBackend.describe_execution = describe_execution
    StepFunctionsParserBackend.get_execution_history = get_execution_history
    StepFunctionsParserBackend.list_executions = list_executions


def _execution_index(backend) -> dict[str, tuple[Any, Any]]:
    """Execution ARN → (state machine it was started on, execution), kept on the backend
    (a reset discards both)."""
    index = backend.__dict__.get("_lab_execution_index")
    if index is None:
        index = backend.__dict__.setdefault("_lab_execution_index", {})
    return index


def _refuse_express_arn(execution_arn: str) -> None:
    # AWS keeps no history of Express executions: their ARNs are refused, not looked up.
    if execution_arn.split(":")[5:6] == ["express"]:
        raise InvalidArn("Invalid Arn: 'Resource type not valid in this context: express'")


def _new_execution(backend, state_machine, name: str, execution_input: str | None,
                   trace_header: str | None, sync: bool = False):
    """An Express execution (``arn:...:express:{machine}:{name}:{uuid}``), not stored."""
    from moto.stepfunctions.parser.backend.execution import Execution, SyncExecution

    input_text = "{}" if execution_input is None else execution_input
    try:
        json.loads(input_text)
    except ValueError as error:
        raise InvalidExecutionInput(f"Invalid State Machine Execution Input: '{error}'") from None
    # A snapshot of the machine, as moto takes for Standard executions (without its executions).
    snapshot = copy.deepcopy(state_machine, {id(state_machine.executions): [],
                                             id(state_machine.backend): state_machine.backend})
    snapshot.sm_type = "EXPRESS"  # moto keeps the real type in ``type``, ``sm_type`` says STANDARD
    arn = (f"arn:{backend.partition}:states:{backend.region_name}:{backend.account_id}"
           f":express:{state_machine.name}:{name}:{uuid.uuid4()}")
    return (SyncExecution if sync else Execution)(
        name=name, sm_type="EXPRESS", role_arn=snapshot.roleArn, exec_arn=arn,
        account_id=backend.account_id, region_name=backend.region_name, state_machine=snapshot,
        start_date=datetime.datetime.now(tz=datetime.timezone.utc),
        cloud_watch_logging_session=None, input_data=input_text, trace_header=trace_header,
        activity_store={},
    )


def start_sync_execution(backend, state_machine_arn: str, name: str | None = None,
                         execution_input: str | None = None,
                         trace_header: str | None = None) -> dict[str, Any]:
    """Run an Express execution to its end and answer as AWS's StartSyncExecution does."""
    if name is not None:
        validate_execution_name(name)
    state_machine = backend.describe_state_machine(state_machine_arn)
    if state_machine.type != "EXPRESS":
        raise StateMachineTypeNotSupported(
            "This operation is not supported by this type of state machine")
    execution = _new_execution(backend, state_machine, name or str(uuid.uuid4()),
                               execution_input, trace_header, sync=True)
    execution.start()  # a SyncExecutionWorker evaluates in this thread
    answer = {key: value for key, value in execution.to_start_sync_execution_output().items()
              if value is not None}
    if answer["status"] != "SUCCEEDED":
        answer.pop("outputDetails", None)
    elapsed_ms = (execution.stop_date - execution.start_date).total_seconds() * 1000
    answer["billingDetails"] = {
        "billedMemoryUsedInMB": BILLED_MEMORY_MB,
        "billedDurationInMilliseconds": max(1, math.ceil(elapsed_ms / BILLING_STEP_MS)) * BILLING_STEP_MS,
    }
    return answer


# ----------------------------------------------------------------------------------------
# The HTTP side: operations moto lacks
# ----------------------------------------------------------------------------------------


def handle_operation(request: Request) -> Response | None:
    """Answer ``StartSyncExecution`` (moto has none), and ``StartExecution`` and
    ``DescribeExecution`` (a workflow's client polls the latter); None lets moto answer.

    boto3 sends StartSyncExecution to host ``sync-states...``; clients on the sandbox use
    ``inject_host_prefix=False``, so it arrives as an ordinary Step Functions POST.
    """
    target = request.headers.get("X-Amz-Target")
    if target == "AWSStepFunctions.StartSyncExecution":
        return _start_sync_execution_request(request)
    answer = _FAST_OPERATIONS.get(target or "")
    if answer is None:
        return None
    from moto.stepfunctions.responses import get_backend

    from . import awsapi

    data = request.get_data()
    try:
        body = json.loads(data)
    except ValueError:
        body = None
    response = answer(get_backend(*awsapi.caller_account_and_region(request)), body) \
        if isinstance(body, dict) else None
    if response is None:  # an unusual request: moto answers it, reading the body afresh
        request.environ["wsgi.input"] = io.BytesIO(data)
    return response


# StartExecution and DescribeExecution, answered as moto's ``StepFunctionResponse`` answers
# them (the same backend calls and fields) without Flask, moto's request set-up and its
# shape-driven serializer: ~1 ms of each request. Requests with missing or mistyped fields,
# or input that is not JSON, still go to moto, for its exact errors.
def _start_execution_answer(backend, body: dict) -> Response | None:
    arn, name, execution_input = body.get("stateMachineArn"), body.get("name"), body.get("input", "{}")
    if not isinstance(arn, str) or not isinstance(name, (str, type(None))) or not _is_json_text(execution_input):
        return None
    try:  # moto's StartExecution passes no trace header to the backend
        execution = backend.start_execution(arn, name, execution_input)
    except JsonRESTError as error:
        return _error_response(error)
    return _json_response({"executionArn": execution.execution_arn,
                           "startDate": _epoch_milliseconds(execution.start_date)})


def _describe_execution_answer(backend, body: dict) -> Response | None:
    arn = body.get("executionArn")
    if not isinstance(arn, str):
        return None
    try:
        execution = backend.describe_execution(arn)
    except JsonRESTError as error:
        return _error_response(error)
    status = execution.status
    answer: dict[str, Any] = {"executionArn": arn, "stateMachineArn": execution.state_machine_arn,
                              "name": execution.name, "status": status,
                              "startDate": _epoch_milliseconds(execution.start_date)}
    if status in ("SUCCEEDED", "ABORTED", "FAILED") and execution.stop_date is not None:
        answer["stopDate"] = _epoch_milliseconds(execution.stop_date)
    answer["input"] = execution.execution_input
    if status == "SUCCEEDED":
        # The output is a JSON value (a string or null too, in JSONata's Output), as moto has it.
        answer["output"] = json.dumps(execution.output)
        if execution.output_details is not None:
            answer["outputDetails"] = execution.output_details
    for key in ("error", "cause"):
        if getattr(execution, key) is not None:
            answer[key] = getattr(execution, key)
    return _json_response(answer)


_FAST_OPERATIONS = {"AWSStepFunctions.StartExecution": _start_execution_answer,
                    "AWSStepFunctions.DescribeExecution": _describe_execution_answer}


def _is_json_text(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


def _epoch_milliseconds(moment: datetime.datetime) -> int | float:
    """A timestamp as moto's JSON serializer writes it: epoch seconds, cut to milliseconds."""
    seconds = calendar.timegm(moment.utctimetuple())
    return seconds + moment.microsecond // 1000 / 1000.0 if moment.microsecond else seconds


def _json_response(answer: dict[str, Any]) -> Response:
    return Response(json.dumps(answer), status=200, content_type="application/x-amz-json-1.0",
                    headers={"x-amzn-RequestId": str(uuid.uuid4())})


def _start_sync_execution_request(request: Request) -> Response:
    from moto.stepfunctions.responses import get_backend

    from . import awsapi

    account, region = awsapi.caller_account_and_region(request)
    try:
        body = json.loads(request.get_data() or b"{}")
        if not isinstance(body, dict) or not isinstance(body.get("stateMachineArn"), str):
            raise _ValidationError("1 validation error detected: Value null at 'stateMachineArn' "
                                   "failed to satisfy constraint: Member must not be null")
        answer = start_sync_execution(
            get_backend(account, region), body["stateMachineArn"], body.get("name"),
            body.get("input"), body.get("traceHeader"))
    except ValueError:
        return _error_response(_SerializationError("Start of structure or map found where not expected"))
    except JsonRESTError as error:
        return _error_response(error)
    return Response(json.dumps(answer, default=_epoch_seconds), status=200,
                    content_type="application/x-amz-json-1.0")


class _ValidationError(AWSError):
    TYPE = "ValidationException"


class _SerializationError(AWSError):
    TYPE = "SerializationException"


def _error_response(error: JsonRESTError) -> Response:
    return Response(error.get_body(), status=error.code,
                    headers=[*error.get_headers(), ("x-amzn-RequestId", str(uuid.uuid4()))])


def _epoch_seconds(value: Any) -> float:
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


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


def _patch_task_clients() -> None:
    import moto.stepfunctions.parser.asl.parse.preprocessor  # noqa: F401 (imports every Task)
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb import (
        StateTaskServiceDynamoDB,
    )
    from moto.stepfunctions.parser.asl.utils import boto_client

    _rebind("boto_client_for", boto_client.boto_client_for, task_client)

    def eval_service_task(self, env, resource_runtime_part, normalised_parameters, state_credentials):
        # moto: getattr(client, api_action)(**parameters), then drops ResponseMetadata.
        response = dynamodb_call(resource_runtime_part.region, self._get_boto_service_action(),
                                 normalised_parameters)
        response.pop("ResponseMetadata", None)
        env.stack.append(response)

    StateTaskServiceDynamoDB._eval_service_task = eval_service_task


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
    request = _serializer("json").serialize_to_request(parameters, operation)
    url = client.meta.endpoint_url + "/"
    host = url.split("/")[2]
    body = request["body"]
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/", "QUERY_STRING": "", "SERVER_NAME": host,
        "SERVER_PORT": "443", "wsgi.url_scheme": "https", "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)), "HTTP_HOST": host,
        # what moto reads from the signature: the caller's access key (account) and region
        "HTTP_AUTHORIZATION": f"AWS4-HMAC-SHA256 Credential={TASK_ACCESS_KEY}/20150830/{region}/dynamodb/aws4_request",
    }
    for name, value in request["headers"].items():
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
    from . import lambda_runtime

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


@functools.lru_cache(maxsize=None)
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


def _rebind(name: str, old: Any, new: Any) -> None:
    """Replace ``name`` in every interpreter module that imported ``old`` by name."""
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith("moto.stepfunctions.parser") and getattr(module, name, None) is old:
            setattr(module, name, new)


def _patch_api_gateway_errors() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_api_gateway import (
        StateTaskServiceApiGateway,
    )

    StateTaskServiceApiGateway._from_error = _api_gateway_failure


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
def _patch_lambda_errors() -> None:
    from moto.stepfunctions.parser.api import InvocationResponse
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
    from moto.utilities.collections import select_from_typed_dict

    moto_integration = lambda_eval_utils.execute_lambda_function_integration

    def execute_lambda_function_integration(env, parameters, region, state_credentials) -> None:
        """moto re-serialises the error payload compactly; AWS passes the function's error JSON
        through verbatim as the Cause (``{"errorMessage": ..., "errorType": ...}``), and the
        errorType is the Error name Retry/Catch match (both Task forms use this function)."""
        if env.is_mocked_mode():
            return moto_integration(env, parameters, region, state_credentials)
        response = lambda_invoke(region, parameters)
        payload_text = response["Payload"].read().decode("utf-8")
        if response.get("FunctionError"):
            raise lambda_eval_utils.LambdaFunctionErrorException(response["FunctionError"], payload_text)
        try:
            response["Payload"] = json.loads(payload_text)
        except ValueError:
            response["Payload"] = payload_text
        env.stack.append(select_from_typed_dict(typed_dict=InvocationResponse, obj=response))

    lambda_eval_utils.execute_lambda_function_integration = execute_lambda_function_integration


# ----------------------------------------------------------------------------------------
# Parsing once
# ----------------------------------------------------------------------------------------
def _patch_parsing() -> None:
    from moto.stepfunctions.parser.asl.component import eval_component
    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.asl.utils import json_path

    # ANTLR parse + preprocessing of a definition costs tens of ms; moto repeats it for every
    # execution. The parsed program holds no per-execution state (that lives in the
    # Environment), so executions of one definition share it.
    AmazonStateLanguageParser.parse = staticmethod(
        functools.lru_cache(maxsize=256)(AmazonStateLanguageParser.parse))

    # jsonpath-ng builds a PLY parser for each expression; moto parses on every extraction.
    json_path.parse = functools.lru_cache(maxsize=4096)(json_path.parse)
    result_path.parse = functools.lru_cache(maxsize=4096)(result_path.parse)

    # A component's heap key was a UUID drawn lazily on first use: two threads sharing a
    # component (Parallel branches, or now executions) could each draw one and lose the
    # other's value. The object's identity is unique for as long as the program lives.
    eval_component.EvalComponent.heap_key = property(
        lambda self: f"{type(self).__name__}-{id(self)}")


# ----------------------------------------------------------------------------------------
# Context object timestamps
# ----------------------------------------------------------------------------------------
def aws_timestamp(moment: datetime.datetime) -> str:
    """The context object's format: ``2023-11-21T06:27:31.545Z`` (UTC, milliseconds)."""
    moment = moment.astimezone(datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _patch_context_timestamps() -> None:
    """moto puts a datetime object in ``$$.Execution.StartTime`` (DescribeExecution of an
    output holding it then fails with a 500) and ``isoformat()`` (microseconds, +00:00) in
    ``$$.State.EnteredTime``; AWS gives both as ``2023-11-21T06:27:31.545Z``, and StartTime
    equals DescribeExecution's startDate, so startDate is kept to milliseconds as well."""
    from moto.stepfunctions.parser.asl.component.state import state
    from moto.stepfunctions.parser.asl.eval.states import ExecutionData, StateData
    from moto.stepfunctions.parser.backend import execution_worker
    from moto.stepfunctions.parser.backend.execution import Execution

    moto_start = Execution.start
    moto_details = Execution.get_start_execution_details

    def start(self) -> None:
        self.start_date = self.start_date.replace(microsecond=self.start_date.microsecond // 1000 * 1000)
        moto_start(self)

    def get_start_execution_details(self):
        details = moto_details(self)
        details.start_time = aws_timestamp(self.start_date)
        return details

    def state_data(EnteredTime: str, **fields: Any) -> StateData:  # noqa: N803 (moto's key)
        return StateData(EnteredTime=aws_timestamp(datetime.datetime.fromisoformat(EnteredTime)), **fields)

    def execution_data(**fields: Any) -> ExecutionData:
        # AWS's $$.Execution also carries RedriveCount (0 until the execution is redriven).
        return ExecutionData(**fields, RedriveCount=0)

    Execution.start = start
    Execution.get_start_execution_details = get_start_execution_details
    state.StateData = state_data
    execution_worker.ExecutionData = execution_data


# ----------------------------------------------------------------------------------------
# StringMatches
# ----------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1024)
def string_matches_pattern(pattern: str) -> re.Pattern[str]:
    """States Language: only ``*`` is a wildcard and ``\\*`` is a literal star; no other
    character is special (so ``?`` and ``[...]`` match themselves, unlike fnmatch)."""
    parts: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern) and pattern[index + 1] in "*\\":
            parts.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        parts.append(".*" if char == "*" else re.escape(char))
        index += 1
    return re.compile("".join(parts), re.DOTALL)


def _patch_string_matches() -> None:
    from moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.implementations import (
        string_operators,
    )

    def compare(variable: Any, comparison_value: Any) -> bool:
        return isinstance(variable, str) and bool(
            string_matches_pattern(comparison_value).fullmatch(variable))

    string_operators.StringMatches._compare = staticmethod(compare)


# ----------------------------------------------------------------------------------------
# Time scale (tests only)
# ----------------------------------------------------------------------------------------
def _patch_time_scale(scale: float) -> None:
    if scale == 1.0:
        return
    from types import SimpleNamespace

    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
        WaitFunction,
    )

    # The Retrier's only use of ``time`` is ``time.sleep(interval)``.
    retrier_decl.time = SimpleNamespace(sleep=lambda seconds: time.sleep(seconds * scale))

    def wait_interval(self, env, wait_seconds: float) -> None:
        # moto's version re-waits whole seconds until done; with a scaled clock it would spin.
        deadline = time.monotonic() + wait_seconds * scale
        while env.is_running() and (left := deadline - time.monotonic()) > 0:
            env.program_state_event.wait(left)

    WaitFunction._wait_interval = wait_interval


# ----------------------------------------------------------------------------------------
# Copies of state data
# ----------------------------------------------------------------------------------------
_SCALARS = (str, int, float, bool, type(None), bytes)


def json_copy(value: Any) -> Any:
    """``copy.deepcopy`` for JSON values (dicts, lists, scalars) at a fifth of its cost;
    anything else is handed to ``copy.deepcopy``. JSON values have no cycles, and a
    value shared twice in one document may be copied twice: both are the same JSON."""
    kind = type(value)
    if kind is dict:
        return {key: json_copy(item) for key, item in value.items()}
    if kind is list:
        return [json_copy(item) for item in value]
    if kind in _SCALARS:
        return value
    return copy.deepcopy(value)


# Interpreter modules whose ``copy.deepcopy`` calls copy state input/output (JSON values),
# several times per state: ~10% of a small workflow's CPU with ``copy.deepcopy``.
_JSON_COPYING_MODULES = (
    "moto.stepfunctions.parser.asl.eval.states",
    "moto.stepfunctions.parser.asl.component.common.string.string_expression",
    "moto.stepfunctions.parser.asl.component.common.path.result_path",
    "moto.stepfunctions.parser.asl.component.state.exec.state_parallel.state_parallel",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service",
)


def _patch_copies() -> None:
    import importlib
    from types import SimpleNamespace

    from moto.stepfunctions.parser.asl.eval import environment
    from moto.stepfunctions.parser.asl.eval.program_state import ProgramState

    for name in _JSON_COPYING_MODULES:
        module = importlib.import_module(name)
        assert module.copy is copy, name  # each uses the module only as ``copy.deepcopy``
        module.copy = SimpleNamespace(deepcopy=json_copy)

    def snapshot(value: Any) -> Any:
        # A program state (read before and after every state, copied into every frame) holds
        # only strings, numbers and a failure's details that no reader changes: a shallow
        # copy is as good a snapshot. The other copy is the context object's State (JSON).
        return copy.copy(value) if isinstance(value, ProgramState) else json_copy(value)

    assert environment.copy is copy
    environment.copy = SimpleNamespace(deepcopy=snapshot)


def _patch_branch_thread_names() -> None:
    """moto names each Parallel branch's thread after ``str(program)``, which renders the
    branch's whole component tree (a few hundred µs); the id names it as uniquely."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_parallel.branch_worker import BranchWorker

    def start(self) -> None:
        if self._worker_thread is not None:
            raise RuntimeError(f"Attempted to rerun BranchWorker for program ${self._program}.")
        self._worker_thread = threading.Thread(
            target=self._thread_routine, name=f"BranchWorker_{id(self._program):x}", daemon=True)
        self._worker_thread.start()

    BranchWorker.start = start


# ----------------------------------------------------------------------------------------
# Threads
# ----------------------------------------------------------------------------------------
def _patch_inline_tasks() -> None:
    """moto evaluates every Task, Parallel and Map state in a new thread and waits for it with
    the state's TimeoutSeconds, to fail it with States.Timeout when that passes. Without
    TimeoutSeconds(Path) the wait is AWS's default of 99999999 s (over 3 years): nothing is
    enforced, so the state is evaluated in the caller's thread instead, in the same frame and
    with the same outcome (a thread start and hand-off is ~10% of a small workflow's CPU)."""
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds
    from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState

    moto_evaluate = ExecutionState._evaluate_with_timeout

    def evaluate_with_timeout(self, env) -> None:
        timeout = self.timeout
        if type(timeout) is not TimeoutSeconds or timeout.timeout_seconds < TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS:
            return moto_evaluate(self, env)
        # moto's body, less the thread: run in a frame, end it, then raise or take its output.
        frame = env.open_frame()
        frame.states.reset(input_value=env.states.get_input())
        frame.stack = json_copy(env.stack)
        try:
            self._eval_execution(frame)
        finally:
            frame.set_ended()
            env.close_frame(frame)
        env.stack.append(frame.stack[-1])
        if not self._is_language_query_jsonpath():
            env.states.set_result(env.stack[-1])
        if self.assign_decl:
            self.assign_decl.eval(env=env)
        if self.result_selector:
            self.result_selector.eval(env=env)
        if self.result_path:
            self.result_path.eval(env)
        else:
            env.states.reset(input_value=env.stack.pop())

    ExecutionState._evaluate_with_timeout = evaluate_with_timeout


class _Forgetful(list):
    """moto appends every thread it starts (several per execution) to a module list that
    nothing reads; each keeps its execution's data alive for the life of the process."""

    def append(self, _item: Any) -> None:
        pass


def _patch_thread_registry() -> None:
    from moto.stepfunctions.parser import utils

    _rebind("TMP_THREADS", utils.TMP_THREADS, _Forgetful())

