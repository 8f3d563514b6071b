"""Step Functions executions as AWS runs them: names, idempotent starts, Express executions
and StartSyncExecution (moto has none).

- a missing ``name`` gets a UUID (moto names it ``None``); names are validated;
- a Standard start with a running execution's name and input is answered idempotently under a
  lock (two racing retries of one POST start one workflow);
- Express executions get AWS's ``:express:`` ARNs, no idempotency, and are neither listed nor
  described (as on AWS);
- ``StartSyncExecution`` runs an Express execution to its end (``handle_start_sync``);
- memory stays bounded (``install_bounded_memory``): one snapshot of a machine per revision, names
  by index (``ExecutionStore``), a closed execution keeps its history compressed and lets go of
  the interpreter's state, and at most ``LAB_SANDBOX_SFN_CLOSED_EXECUTIONS`` closed executions
  are kept per machine (AWS keeps them 90 days).

Correctness fixes: ``moto_patches`` installs ``install()`` and ``install_bounded_memory()``.
"""
from __future__ import annotations

import collections
import copy
import datetime
import json
import math
import os
import pickle
import re
import threading
import time
import uuid
import zlib
from types import SimpleNamespace
from typing import Any

from moto.core.exceptions import AWSError, JsonRESTError
from moto.stepfunctions.exceptions import ExecutionAlreadyExists, InvalidArn, InvalidExecutionInput, InvalidName
from werkzeug.wrappers import Request, Response

from .. import awsapi
from ..patching import PatchTargetMissing, replace
from .control_plane import execution_input_error

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
    _install_stop_at_once()
    _install_history_pages()


def _install_stop_at_once() -> None:
    """StopExecution: the execution is ABORTED, with the call's stopDate, when the call returns.
    moto only asks the interpreter's thread to stop, and that thread files ABORTED (with its own,
    later, stop date) when it next looks; until then DescribeExecution said RUNNING. The thread
    still writes the history's ExecutionAborted event and closes the execution as before.

    A stop that comes before the thread has begun is honoured too: moto's worker had no
    environment yet to stop (an AttributeError, a 500) or ignored a stop before its program began
    (the execution ran on), and a program stopped as it began was pruned whole, so its history
    never got the ExecutionAborted event."""
    from moto.stepfunctions.parser.asl.component.program.program import Program
    from moto.stepfunctions.parser.asl.eval.program_state import ProgramStopped
    from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication, Execution
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
    from moto.stepfunctions.parser.api import ExecutionStatus

    def worker_stop(self, stop_date, error, cause):
        # moto's stop acts on a running program only: wait (briefly) for the thread to make its
        # environment and begin the program, which it does first thing
        deadline = time.monotonic() + 10
        while (self.env is None or self.env._program_state is None) and time.monotonic() < deadline:
            time.sleep(0.001)
        moto_worker_stop(self, stop_date, error, cause)

    def program_eval(self, env) -> None:
        moto_program_eval(self, env)
        ended_if_stopped(self, env)

    def stop(self, stop_date, error, cause):
        moto_stop(self, stop_date, error, cause)
        worker = self.exec_worker
        if worker is not None and isinstance(worker.env.program_state(), ProgramStopped) \
                and self.exec_status == ExecutionStatus.RUNNING:
            if stop_date.tzinfo is None:  # moto's backend passes a naive UTC time; its thread an aware one
                stop_date = stop_date.replace(tzinfo=datetime.UTC)
            self.stop_date = self.__dict__["_lab_stopped_at"] = stop_date
            self.exec_status = ExecutionStatus.ABORTED

    def reflect_execution_status(self) -> None:
        moto_reflect(self)
        stopped_at = self.execution.__dict__.get("_lab_stopped_at")
        if stopped_at is not None:  # the date StopExecution answered, not the thread's later one
            self.execution.stop_date = stopped_at

    moto_stop = replace(Execution, "stop", stop)
    moto_worker_stop = replace(ExecutionWorker, "stop", worker_stop)
    moto_program_eval = replace(Program, "eval", program_eval)
    moto_reflect = replace(BaseExecutionWorkerCommunication, "_reflect_execution_status", reflect_execution_status)


def ended_if_stopped(program, env) -> bool:
    """True if the machine's program has been stopped; its history then ends with ExecutionAborted.
    moto writes that event only when a stop comes while a state runs: a program stopped just as
    it began is pruned whole, and its history stopped at ExecutionStarted. Both ways of
    evaluating a Program (moto's, and the speed path's inline one) ask this when they are done."""
    from moto.stepfunctions.parser.asl.eval.program_state import ProgramStopped

    if env.is_frame() or not isinstance(env.program_state(), ProgramStopped):
        return False
    events = env.event_manager._history_event_list
    if not events or events[-1]["type"] != "ExecutionAborted":
        program._eval_body(env)  # its loop runs no state when stopped: it writes the ending event
    return True


HISTORY_PAGE = 100  # GetExecutionHistory's maxResults when it is not given (or 0), as on AWS


def _install_history_pages() -> None:
    """GetExecutionHistory in pages: ``maxResults`` events (100 unless given), ``nextToken``
    for the next page, ``reverseOrder`` newest first; ``includeExecutionData: false`` leaves out
    each event's input and output (and their details), as moto's parser does for the same flag of
    a logging configuration. moto answered every event at once, oldest first, data always in,
    whatever was asked."""
    import base64

    from moto.core.responses import ActionResult
    from moto.stepfunctions.exceptions import InvalidToken
    from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager
    from moto.stepfunctions.responses import StepFunctionResponse

    def without_data(event: dict) -> dict:
        event = dict(event)  # the stored history keeps its data
        for key, details in event.items():
            if key.endswith("EventDetails") and isinstance(details, dict):
                event[key] = dict(details)
                EventManager._remove_data_from_history_log(details_body=event[key])
        return event

    def get_execution_history(self) -> ActionResult:
        arn = self._get_param("executionArn")
        events = list(self.stepfunction_backend.get_execution_history(arn)["events"])
        reverse = bool(self._get_param("reverseOrder", False))
        size = self._get_param("maxResults") or HISTORY_PAGE
        start, token = 0, self._get_param("nextToken")
        if token is not None:
            try:
                token_arn, token_reverse, start = json.loads(base64.urlsafe_b64decode(token.encode()))
                assert token_arn == arn and token_reverse == reverse and 0 < start <= len(events)
            except Exception:  # noqa: BLE001 (any malformed or foreign token is refused alike)
                raise InvalidToken(f"'{token}'") from None  # moto's class writes "Invalid Token: " before it
        if reverse:
            events.reverse()
        page = events[start:start + size]
        if self._get_param("includeExecutionData", True) is False:
            page = [without_data(event) for event in page]
        answer: dict[str, Any] = {"events": page}
        if start + size < len(events):
            answer["nextToken"] = base64.urlsafe_b64encode(json.dumps([arn, reverse, start + size]).encode()).decode()
        return ActionResult(answer)

    replace(StepFunctionResponse, "get_execution_history", get_execution_history)


def _refuse_express_arn(execution_arn: str) -> None:
    # AWS keeps no history of Express executions: their ARNs are refused, not looked up.
    if execution_arn.split(":")[5:6] == ["express"]:
        raise InvalidArn("Invalid Arn: 'Resource type not valid in this context: express'")


def _new_execution(backend, state_machine, name: str, execution_input: str | None,
                   trace_header: str | None, sync: bool = False):
    """An Express execution (``arn:...:express:{machine}:{name}:{uuid}``), not stored."""
    from moto.stepfunctions.parser.backend.execution import Execution, SyncExecution

    input_text = "{}" if execution_input is None else execution_input
    if (message := execution_input_error(input_text)) is not None:
        raise InvalidExecutionInput(message)
    # A snapshot of the machine, as moto takes for Standard executions (without its executions).
    snapshot = _machine_snapshot(state_machine, {id(state_machine.executions): [],
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


# ----------------------------------------------------------------------------------------
# Memory: what a Standard execution keeps, and for how long
# ----------------------------------------------------------------------------------------
# AWS keeps a closed execution for 90 days; the sandbox keeps this many per state machine
# (newest first), so a long session's memory stays bounded.
CLOSED_EXECUTIONS_ENV = "LAB_SANDBOX_SFN_CLOSED_EXECUTIONS"
DEFAULT_CLOSED_EXECUTIONS = 10_000


def closed_executions_kept() -> int:
    value = os.environ.get(CLOSED_EXECUTIONS_ENV, "").strip()
    return max(1, int(value)) if value else DEFAULT_CLOSED_EXECUTIONS


class ExecutionStore(list):
    """A state machine's executions (moto's ``executions`` list, which moto appends to, reads
    and sorts as before) with an index by name, and at most ``keep`` closed ones: when one
    more closes, the oldest closed execution is dropped (DescribeExecution of it then answers
    ExecutionDoesNotExist, as AWS does after 90 days)."""

    def __init__(self, executions=(), keep: int | None = None):
        super().__init__()
        self.keep = closed_executions_kept() if keep is None else keep
        self.by_name: dict[str, Any] = {}
        self._closed: collections.deque = collections.deque()
        self._lock = threading.Lock()
        for execution in executions:
            self.append(execution)

    def append(self, execution) -> None:
        with self._lock:
            super().append(execution)
            self.by_name[execution.name] = execution
            execution.__dict__["_lab_store"] = self
            if execution.exec_status is not None and execution.status != "RUNNING":
                self._closed.append(execution)
            self._drop_oldest_closed()

    def closed(self, execution) -> None:
        with self._lock:
            if execution.__dict__.get("_lab_store") is self:
                self._closed.append(execution)
                self._drop_oldest_closed()

    def _drop_oldest_closed(self) -> None:
        while len(self._closed) > self.keep:
            oldest = self._closed.popleft()
            self.remove(oldest)  # the oldest are at the front: found at once
            if self.by_name.get(oldest.name) is oldest:
                del self.by_name[oldest.name]
            oldest.__dict__.pop("_lab_store", None)


def execution_store(state_machine) -> ExecutionStore:
    """The state machine's executions as an ``ExecutionStore`` (converted on first use)."""
    executions = state_machine.executions
    if type(executions) is not ExecutionStore:
        executions = state_machine.executions = ExecutionStore(executions)
    return executions


class _ClosedEnvironment:
    """What of a closed execution's interpreter Environment is read after its end, and no more:
    the history (compacted), the final program state, and the callback and Map Run records
    (SendTask*, DescribeMapRun and ListMapRuns look there). Frames, heap, states and the
    context object are let go."""

    def __init__(self, env, state_machine) -> None:
        self.event_manager = CompactHistory.of(env.event_manager, state_machine)
        self._program_state = env.program_state()
        self.callback_pool_manager = env.callback_pool_manager
        self.map_run_record_pool_manager = env.map_run_record_pool_manager

    def program_state(self):
        return self._program_state

    def set_stop(self, stop_date, cause, error) -> None:
        """StopExecution of a closed execution changes nothing (moto's own is a no-op then)."""

    def is_running(self) -> bool:
        return False


class CompactHistory:
    """An execution's history events, pickled and compressed; ``get_event_history`` gives a
    fresh, equal list each time, as moto's does. The executions of one revision of a machine
    write much the same history, so each is compressed against a dictionary made of the first
    one's (kept once on the revision's snapshot): an order's history takes ~0.9 KB instead of
    ~2.8 KB compressed on its own, and ~20 KB as event dicts."""

    def __init__(self, events: list, dictionary: bytes | None = None) -> None:
        self._dictionary = dictionary
        compressor = zlib.compressobj(6, zdict=dictionary) if dictionary else zlib.compressobj(6)
        self._data = compressor.compress(pickle.dumps(events, protocol=pickle.HIGHEST_PROTOCOL)) + compressor.flush()

    @classmethod
    def of(cls, event_manager, state_machine=None) -> CompactHistory:
        """The events of moto's ``EventManager``, pickled as they are (moto's own
        ``get_event_history`` deep-copies them first: the pickle is already a copy), compressed
        against ``state_machine``'s dictionary (the first history of it makes one)."""
        with event_manager._mutex:
            events = event_manager._history_event_list
            if state_machine is None:
                return cls(events)
            dictionary = state_machine.__dict__.get("_lab_history_dictionary")
            if dictionary is None:  # zlib looks back 32 KB at most
                dictionary = pickle.dumps(events, protocol=pickle.HIGHEST_PROTOCOL)[-32768:]
                dictionary = state_machine.__dict__.setdefault("_lab_history_dictionary", dictionary)
            return cls(events, dictionary)

    def get_event_history(self) -> list:
        if self._dictionary is None:
            return pickle.loads(zlib.decompress(self._data))
        decompressor = zlib.decompressobj(zdict=self._dictionary)
        return pickle.loads(decompressor.decompress(self._data) + decompressor.flush())


def install_bounded_memory() -> None:
    """An execution shares its machine's snapshot, looks up names by index, lets go of its
    interpreter state when it closes, and the oldest closed executions beyond the cap are
    dropped (moto: a deep copy of the machine, a scan per start, everything kept forever)."""
    from moto.stepfunctions.models import StateMachine
    from moto.stepfunctions.parser import models
    from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication, Execution

    for name in ("input_data", "output"):
        if name not in Execution.__annotations__ or name in Execution.__dict__:
            raise PatchTargetMissing(f"moto's Execution no longer has a plain {name} attribute")
        setattr(Execution, name, _json_text_attribute(name))
    # new, read by DescribeExecution (control_plane.py, speed.py): the output as it is kept
    Execution.output_json = property(lambda self: self.__dict__.get("_lab_output_json"),
                                     doc="the output as compact JSON text, None if none")

    def handle_name_input_idempotency(self, name, execution_input):
        # moto's check, by index: the execution of that name, if any, answers or refuses.
        existing = execution_store(self).by_name.get(name)
        if existing is None:
            return None
        if execution_input == existing.execution_input and existing.status == "RUNNING":
            return existing
        raise ExecutionAlreadyExists("Execution Already Exists: '" + existing.execution_arn + "'")

    def terminated(self) -> None:
        moto_terminated(self)  # the execution's status, output or error: clients see it closed
        execution = self.execution
        store = execution.__dict__.get("_lab_store")
        if store is not None:
            store.closed(execution)
        worker = execution.exec_worker
        if worker is not None and worker.env is not None:
            worker.env = _ClosedEnvironment(worker.env, execution.state_machine)
            # the parsed input the worker was started with: the execution keeps it as text
            # (input_data), and a redrive gives it back (redrive.py)
            worker._evaluation_details.execution_details.inpt = None

    assert models.copy is copy  # moto's module uses it only for the snapshot in start_execution
    replace(models, "copy", SimpleNamespace(deepcopy=_machine_snapshot))
    replace(StateMachine, "_handle_name_input_idempotency", handle_name_input_idempotency)
    moto_terminated = replace(BaseExecutionWorkerCommunication, "terminated", terminated)


def _json_text_attribute(name: str) -> property:
    """An execution's ``input_data`` or ``output`` kept as JSON text and parsed when read. The
    text takes a fifth of the memory of the parsed value, which a closed execution kept until it
    was dropped; DescribeExecution answers the text as it is (``output_json``)."""
    from moto.stepfunctions.parser.asl.utils.encoding import to_json_str

    key = f"_lab_{name}_json"

    def get(self) -> Any:
        text = self.__dict__.get(key)
        return None if text is None else json.loads(text)

    def set_(self, value: Any) -> None:  # moto's own encoder; compact, as AWS writes state data
        self.__dict__[key] = None if value is None else to_json_str(value, separators=(",", ":"))

    return property(get, set_, doc=f"moto's {name}, kept as JSON text")


def _machine_snapshot(state_machine, memo: dict):
    """moto's StartExecution deep-copies the machine (without its executions) as a snapshot of
    what this execution runs; one snapshot per revision of the machine serves every execution
    started on it. A revision is what UpdateStateMachine and PublishStateMachineVersion change."""
    revision = (state_machine.update_date, state_machine.definition, state_machine.roleArn,
                getattr(state_machine, "revision_id", None), getattr(state_machine, "latest_version_number", None))
    cached = state_machine.__dict__.get("_lab_snapshot")
    if cached is None or cached[0] != revision:
        memo = {**memo, id(state_machine.__dict__.get("_lab_snapshot")): None}
        cached = state_machine.__dict__["_lab_snapshot"] = (revision, copy.deepcopy(state_machine, memo))
    return cached[1]
