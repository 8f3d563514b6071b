"""Step Functions executions as AWS runs them: names, idempotent starts, Express executions
and StartSyncExecution (moto has none).

- a missing ``name`` gets a UUID (moto names it ``None``); names are validated;
- a Standard start with a running execution's name and input is answered idempotently under a
  lock (two racing retries of one POST start one workflow);
- Express executions get AWS's ``:express:`` ARNs, no idempotency, and are neither listed nor
  described (as on AWS);
- ``StartSyncExecution`` runs an Express execution to its end (``handle_start_sync``).

Correctness fixes: ``moto_patches`` installs ``install()``.
"""
from __future__ import annotations

import copy
import datetime
import json
import math
import re
import threading
import uuid
from typing import Any

from moto.core.exceptions import AWSError, JsonRESTError
from moto.stepfunctions.exceptions import InvalidArn, InvalidExecutionInput, InvalidName
from werkzeug.wrappers import Request, Response

from .. import awsapi
from ..patching import replace

# Express executions are billed in 64 MB steps and rounded up to the next 100 ms.
BILLED_MEMORY_MB = 64
BILLING_STEP_MS = 100


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


def install() -> None:
    """Names, idempotent Standard starts, Express executions (see the module's docstring)."""
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

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
            return moto_start(self, state_machine_arn, name, execution_input, trace_header)

    def describe_execution(self, execution_arn):
        _refuse_express_arn(execution_arn)
        return moto_describe(self, execution_arn)

    def get_execution_history(self, execution_arn):
        _refuse_express_arn(execution_arn)
        return moto_history(self, execution_arn)

    def list_executions(self, state_machine_arn, **filters):
        if self.describe_state_machine(state_machine_arn).type == "EXPRESS":
            raise StateMachineTypeNotSupported(
                "This operation is not supported by this type of state machine")
        return moto_list(self, state_machine_arn, **filters)

    backend = StepFunctionsParserBackend
    moto_start = replace(backend, "start_execution", start_execution)
    moto_describe = replace(backend, "describe_execution", describe_execution)
    moto_history = replace(backend, "get_execution_history", get_execution_history)
    moto_list = replace(backend, "list_executions", list_executions)


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
        start_date=datetime.datetime.now(tz=datetime.UTC),
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
    if answer["status"] == "FAILED":  # recorded on AWS: a failed answer says so too, with no output
        answer["outputDetails"] = {"included": True}
    elif answer["status"] != "SUCCEEDED":
        answer.pop("outputDetails", None)
    elapsed_ms = (execution.stop_date - execution.start_date).total_seconds() * 1000
    answer["billingDetails"] = {
        "billedMemoryUsedInMB": BILLED_MEMORY_MB,
        "billedDurationInMilliseconds": max(1, math.ceil(elapsed_ms / BILLING_STEP_MS)) * BILLING_STEP_MS,
    }
    return answer


# ----------------------------------------------------------------------------------------
# The HTTP side: StartSyncExecution, which moto lacks
# ----------------------------------------------------------------------------------------
def handle_start_sync(request: Request) -> Response | None:
    """Answer ``StartSyncExecution`` (moto has none); None lets others answer.

    boto3 sends StartSyncExecution to host ``sync-states...``; clients on the sandbox use
    ``inject_host_prefix=False``, so it arrives as an ordinary Step Functions POST.
    """
    if request.headers.get("X-Amz-Target") == "AWSStepFunctions.StartSyncExecution":
        return _start_sync_execution_request(request)
    return None


def _start_sync_execution_request(request: Request) -> Response:
    from moto.stepfunctions.responses import get_backend

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
