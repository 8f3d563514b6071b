"""Step Functions speed paths: each removes an avoidable cost of moto's interpreter and answers
exactly as the code it replaces (tests/sandbox/test_stepfunctions_speed.py compares them).
``moto_patches`` installs them unless ``LAB_SANDBOX_SPEED_PATHS=off``.

- each ASL definition is parsed once, and each JSONPath once (moto re-parses both every time);
- Task states and Programs without TimeoutSeconds run without a thread of their own;
- state data is copied as JSON (not ``copy.deepcopy``); Parallel branch threads are named cheaply;
- DescribeExecution finds an execution by name in its machine's ExecutionStore (moto scanned them all);
- StartExecution and DescribeExecution are answered before moto's dispatcher (``handle_operation``).
(The in-process Task calls are in ``tasks``.)
"""
from __future__ import annotations

import calendar
import copy
import datetime
import functools
import importlib
import io
import json
import marshal
import threading
import uuid
from types import SimpleNamespace
from typing import Any

from moto.core.exceptions import JsonRESTError
from werkzeug.wrappers import Request, Response

from .. import awsapi
from ..patching import replace
from . import control_plane, redrive
from .executions import ExecutionStore, _error_response, ended_if_stopped


def install_execution_index() -> None:
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    def describe_execution(self, execution_arn):
        # moto finds an execution by scanning every execution of its machine (clients poll
        # DescribeExecution: that grows with every order taken). The machine's store has them
        # by name (the ARN's last part); anything else is moto's to answer.
        parts = execution_arn.split(":") if isinstance(execution_arn, str) else []
        if len(parts) == 8 and parts[5] == "execution":  # else moto's validation answers
            try:
                executions = self._get_state_machine_for_execution(execution_arn).executions
            except JsonRESTError:
                executions = None
            if type(executions) is ExecutionStore:
                known = executions.by_name.get(parts[7])
                if known is not None and known.execution_arn == execution_arn:
                    return known
        return describe(self, execution_arn)

    describe = replace(StepFunctionsParserBackend, "describe_execution", describe_execution)


def handle_operation(request: Request) -> Response | None:
    """Answer ``StartExecution`` and ``DescribeExecution`` (a workflow's client polls the latter)
    before moto's dispatcher; None lets moto answer."""
    answer = _FAST_OPERATIONS.get(request.headers.get("X-Amz-Target") or "")
    if answer is None:
        return None
    from moto.stepfunctions.responses import get_backend

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
    answer["inputDetails"] = dict(control_plane.INPUT_DETAILS)
    if status == "SUCCEEDED":
        # The output is a JSON value (a string or null too, in JSONata's Output), kept as JSON text.
        answer["output"] = execution.output_json or "null"
        if execution.output_details is not None:
            answer["outputDetails"] = execution.output_details
    for key in ("error", "cause"):
        if getattr(execution, key) is not None:
            answer[key] = getattr(execution, key)
    answer.update({key: _epoch_milliseconds(value) if key == "redriveDate" else value
                   for key, value in redrive.redrive_fields(execution, describe=True).items()})
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


def install_parse_once() -> None:
    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.asl.utils import json_path

    # ANTLR parse + preprocessing of a definition costs tens of ms; moto repeats it for every
    # execution. The parsed program holds no per-execution state (that lives in the
    # Environment), so executions of one definition share it (see semantics.install_heap_keys).
    replace(AmazonStateLanguageParser, "parse", staticmethod(
        functools.lru_cache(maxsize=256)(AmazonStateLanguageParser.parse)))

    # jsonpath-ng builds a PLY parser for each expression; moto parses on every extraction.
    replace(json_path, "parse", functools.lru_cache(maxsize=4096)(json_path.parse))
    replace(result_path, "parse", functools.lru_cache(maxsize=4096)(result_path.parse))


# ----------------------------------------------------------------------------------------
# Copies of state data
# ----------------------------------------------------------------------------------------
_SCALARS = (str, int, float, bool, type(None), bytes)


def json_copy(value: Any) -> Any:
    """``copy.deepcopy`` for JSON values (dicts, lists, scalars) at a quarter of its cost.
    ``marshal`` copies dicts, lists, strings, numbers, booleans and None in C, exactly (types,
    float bits, shared sub-values shared again, as deepcopy does); it refuses anything else
    (a datetime, a subclass), which ``copy.deepcopy`` then copies."""
    kind = type(value)
    if kind is dict or kind is list:
        try:
            return marshal.loads(marshal.dumps(value))
        except ValueError:
            return copy.deepcopy(value)
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


def install_json_copies() -> None:
    from moto.stepfunctions.parser.asl.eval import environment
    from moto.stepfunctions.parser.asl.eval.program_state import ProgramState

    for name in _JSON_COPYING_MODULES:
        module = importlib.import_module(name)
        assert module.copy is copy, name  # each uses the module only as ``copy.deepcopy``
        replace(module, "copy", SimpleNamespace(deepcopy=json_copy))

    def snapshot(value: Any) -> Any:
        # A program state (read before and after every state, copied into every frame) holds
        # only strings, numbers and a failure's details that no reader changes: a shallow
        # copy is as good a snapshot. The other copy is the context object's State (JSON).
        return copy.copy(value) if isinstance(value, ProgramState) else json_copy(value)

    assert environment.copy is copy
    replace(environment, "copy", SimpleNamespace(deepcopy=snapshot))


def install_branch_thread_names() -> None:
    """moto names each Parallel branch's thread after ``str(program)``, which renders the
    branch's whole component tree (a few hundred µs); the id names it as uniquely."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_parallel.branch_worker import BranchWorker

    def start(self) -> None:
        if self._worker_thread is not None:
            raise RuntimeError(f"Attempted to rerun BranchWorker for program ${self._program}.")
        self._worker_thread = threading.Thread(
            target=self._thread_routine, name=f"BranchWorker_{id(self._program):x}", daemon=True)
        self._worker_thread.start()

    replace(BranchWorker, "start", start)


# ----------------------------------------------------------------------------------------
# Threads
# ----------------------------------------------------------------------------------------
def install_inline_tasks() -> None:
    """moto evaluates every Task, Parallel and Map state in a new thread and waits for it with
    the state's TimeoutSeconds, to fail it with States.Timeout when that passes. Without
    TimeoutSeconds(Path) the wait is AWS's default of 99999999 s (over 3 years): nothing is
    enforced, so the state is evaluated in the caller's thread instead, in the same frame and
    with the same outcome (a thread start and hand-off is ~10% of a small workflow's CPU)."""
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds
    from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState

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

    moto_evaluate = replace(ExecutionState, "_evaluate_with_timeout", evaluate_with_timeout)


def install_inline_programs() -> None:
    """moto evaluates every Program (the machine's top level, each Parallel branch, each Map
    iteration's) in a thread of its own and joins it with the Program's TimeoutSeconds, to mark
    the execution timed out when that passes. Without TimeoutSeconds the join waits for as long
    as the thread runs: the caller's thread evaluates it instead, to the same end (an order's
    workflow started six threads; three of them were these)."""
    import logging

    from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent
    from moto.stepfunctions.parser.asl.component.program.program import Program

    log = logging.getLogger(Program.__module__)

    def eval_program(self, env) -> None:
        if self.timeout_seconds:
            return moto_eval(self, env)
        env.next_state_name = self.start_at.start_at_name
        try:
            EvalComponent.eval(self, env)
        except Exception:  # noqa: BLE001 -- in moto's thread it ended the thread, not the caller
            log.exception("Program evaluation ended with an exception")
        ended_if_stopped(self, env)
        return None

    moto_eval = replace(Program, "eval", eval_program)
