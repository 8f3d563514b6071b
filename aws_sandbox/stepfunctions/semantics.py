"""Step Functions semantics as AWS has them, where moto's interpreter differs (correctness fixes).

- ``StringMatches`` treats only ``*`` as a wildcard (moto used shell-style ``fnmatch``);
- context object timestamps (``$$.Execution.StartTime``, ``$$.State.EnteredTime``) in AWS's format;
- a component's heap key is its identity (moto drew a UUID lazily: racy across threads);
- moto's list of every thread it started is not kept (it held every execution's data);
- a Wait longer than 2^31 - 1 seconds fails (``Wait state delay is too long.``), and a JSONata
  ``Timestamp`` that is no timestamp is a ``States.QueryEvaluationError``;
- a JSONata Map without ``Items`` whose input is no array names that input, as JSON;
- a state's failure outside its work (InputPath, OutputPath, ...) names the event id that entered
  the state, and a missing InputPath/OutputPath names the path as AWS does;
- ``LAB_SANDBOX_SFN_TIME_SCALE`` (tests only) scales Retry and Wait delays.
"""
from __future__ import annotations

import datetime
import functools
import json
import re
import time
from typing import Any

from ..patching import rebind, replace

# Tests set this (e.g. 0.01) so Retry intervals and Wait states take 1/100 of their time.
TIME_SCALE_ENV = "LAB_SANDBOX_SFN_TIME_SCALE"


def install_heap_keys() -> None:
    from moto.stepfunctions.parser.asl.component import eval_component

    # A component's heap key was a UUID drawn lazily on first use: two threads sharing a
    # component (Parallel branches, or executions sharing a parsed program) could each draw
    # one and lose the other's value. The object's identity is unique while the program lives.
    replace(eval_component.EvalComponent, "heap_key",
            property(lambda self: f"{type(self).__name__}-{id(self)}"))


def aws_timestamp(moment: datetime.datetime) -> str:
    """The context object's format: ``2023-11-21T06:27:31.545Z`` (UTC, milliseconds)."""
    moment = moment.astimezone(datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def install_context_timestamps() -> None:
    """moto puts a datetime object in ``$$.Execution.StartTime`` (DescribeExecution of an
    output holding it then fails with a 500) and ``isoformat()`` (microseconds, +00:00) in
    ``$$.State.EnteredTime``; AWS gives both as ``2023-11-21T06:27:31.545Z``, and StartTime
    equals DescribeExecution's startDate, so startDate is kept to milliseconds as well."""
    from moto.stepfunctions.parser.asl.component.state import state
    from moto.stepfunctions.parser.asl.eval.states import ExecutionData, StateData
    from moto.stepfunctions.parser.backend import execution_worker
    from moto.stepfunctions.parser.backend.execution import Execution

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

    moto_start = replace(Execution, "start", start)
    moto_details = replace(Execution, "get_start_execution_details", get_start_execution_details)
    replace(state, "StateData", state_data)
    replace(execution_worker, "ExecutionData", execution_data)


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


def install_string_matches() -> None:
    from moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.implementations import (
        string_operators,
    )

    def compare(variable: Any, comparison_value: Any) -> bool:
        return isinstance(variable, str) and bool(
            string_matches_pattern(comparison_value).fullmatch(variable))

    replace(string_operators.StringMatches, "_compare", staticmethod(compare))


# ----------------------------------------------------------------------------------------
# Wait and Map failures (AWS-recorded: sfn_semantics_cases.json)
# ----------------------------------------------------------------------------------------
# AWS accepts a Wait of 24855 days and fails one of 24856 days: the delay is a 32-bit int of seconds.
MAX_WAIT_SECONDS = 2**31 - 1


def _failure(env, error_type, cause: str, evaluation: bool = False):
    """moto's FailureEventException for ``error_type`` (a StatesErrorNameType) with ``cause``: an
    EvaluationFailed one for an expression's error, else an ExecutionFailed one."""
    from moto.stepfunctions.parser.api import (
        EvaluationFailedEventDetails,
        ExecutionFailedEventDetails,
        HistoryEventType,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
        StatesErrorName,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    error_name = StatesErrorName(typ=error_type)
    if evaluation:
        event_type, details = HistoryEventType.EvaluationFailed, EventDetails(
            evaluationFailedEventDetails=EvaluationFailedEventDetails(error=error_name.error_name, cause=cause))
    else:
        event_type, details = HistoryEventType.ExecutionFailed, EventDetails(
            executionFailedEventDetails=ExecutionFailedEventDetails(error=error_name.error_name, cause=cause))
    return FailureEventException(failure_event=FailureEvent(
        env=env, error_name=error_name, event_type=event_type, event_details=details))


def install_wait_and_map_failures() -> None:
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.common.string.string_expression import StringLiteral
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.state_map import StateMap
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp import Timestamp
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
        WaitFunction,
    )

    def wait_body(self, env) -> None:
        # moto waited for any delay (a Timestamp 68 years ahead kept the execution running).
        seconds = self._get_wait_seconds(env=env)
        if seconds > MAX_WAIT_SECONDS:
            raise _failure(env, StatesErrorNameType.StatesRuntime, "Wait state delay is too long.")
        self._wait_interval(env=env, wait_seconds=seconds)

    def timestamp_failure(self, env, timestamp: str):
        # A JSONPath Timestamp is a literal (checked when the machine is created); moto's message
        # quoted the expression of a JSONata one, which AWS reports as an evaluation error.
        if isinstance(self.string, StringLiteral):
            return moto_timestamp_failure(self, env, timestamp)
        return _failure(env, StatesErrorNameType.StatesQueryEvaluationError,
                        "The Timestamp field cannot be parsed as an ISO-8601 extended offset "
                        f"date-time format string: {timestamp}", evaluation=True).failure_event

    def map_execution(self, env) -> None:
        # A JSONata Map without Items iterates over its input (on top of the stack); moto's
        # check said "must be an array but was: <class 'int'>", AWS shows the input as JSON.
        implicit = self.items is None and self.items_path is None and self.item_reader is None
        if implicit and not isinstance(items := env.stack[-1], list):
            raise _failure(env, StatesErrorNameType.StatesQueryEvaluationError,
                           "Map state input must be an array but was: "
                           + json.dumps(items, separators=(",", ":")), evaluation=True)
        moto_map_execution(self, env)

    replace(WaitFunction, "_eval_body", wait_body)
    moto_timestamp_failure = replace(Timestamp, "_create_failure_event", timestamp_failure)
    moto_map_execution = replace(StateMap, "_eval_execution", map_execution)


# ----------------------------------------------------------------------------------------
# A state's own failures (AWS-recorded: sfn_semantics_cases.json, test_catch_states_runtime)
# ----------------------------------------------------------------------------------------
MOTO_PATH_CAUSE = re.compile(r"Invalid path '(?P<path>\$(?:\.[A-Za-z0-9_-]+)+)' : No results for path: .*")


def path_not_found(path: str, value: Any) -> str:
    """AWS's cause for a JSONPath ``$.a.b.c`` that selects nothing in ``value``: an intermediate
    property missing is ``Missing property in path $['a']``, the last one ``No results for path:
    $['a']['b']['c']`` (moto wrote ``$['a.b.c']`` for both)."""
    names = path[2:].split(".")
    for index, name in enumerate(names):
        if isinstance(value, dict) and name in value:
            value = value[name]
            continue
        shown = "$" + "".join(f"['{part}']" for part in names[:index + 1])
        if index < len(names) - 1:
            return f"Invalid path '{path}' : Missing property in path {shown}"
        break
    return f"Invalid path '{path}' : No results for path: " + "$" + "".join(f"['{part}']" for part in names)


def install_state_failure_causes() -> None:
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.path.input_path import InputPath
    from moto.stepfunctions.parser.asl.component.common.path.output_path import OutputPath
    from moto.stepfunctions.parser.asl.component.state.state import CommonStateField

    def state_input(self, env) -> None:
        # Runs right after the StateEntered event: its id is the context's newest.
        env.lab_state_entered_event_id = env.event_history_context.source_event_id
        moto_state_input(self, env)

    def state_body(self, env) -> None:
        # moto's cause said "entered at the event id #5" for an OutputPath failing after a Task's
        # three events: it named the newest event; AWS names the StateEntered one.
        try:
            moto_state_body(self, env)
        except FailureEventException as failure:
            entered = getattr(env, "lab_state_entered_event_id", None)
            if entered is not None:
                failure.failure_event.source_event_id = entered
            raise

    def with_aws_path_cause(moto_body):
        def body(self, env) -> None:
            try:
                moto_body(self, env)
            except FailureEventException as failure:
                details = failure.failure_event.event_details.get("taskFailedEventDetails") or {}
                match = MOTO_PATH_CAUSE.fullmatch(details.get("cause", ""))
                if match and env.stack:  # the value the path was sampled from is still on top
                    details["cause"] = path_not_found(match["path"], env.stack[-1])
                raise
        return body

    moto_state_input = replace(CommonStateField, "_eval_state_input", state_input)
    moto_state_body = replace(CommonStateField, "_eval_body", state_body)
    for component in (InputPath, OutputPath):
        replace(component, "_eval_body", with_aws_path_cause(component._eval_body))


# ----------------------------------------------------------------------------------------
# Time scale (tests only)
# ----------------------------------------------------------------------------------------
def install_time_scale(scale: float) -> None:
    if scale == 1.0:
        return
    from types import SimpleNamespace

    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
        WaitFunction,
    )

    # The Retrier's only use of ``time`` is ``time.sleep(interval)``.
    replace(retrier_decl, "time", SimpleNamespace(sleep=lambda seconds: time.sleep(seconds * scale)))

    def wait_interval(self, env, wait_seconds: float) -> None:
        # moto's version re-waits whole seconds until done; with a scaled clock it would spin.
        deadline = time.monotonic() + wait_seconds * scale
        while env.is_running() and (left := deadline - time.monotonic()) > 0:
            env.program_state_event.wait(left)

    replace(WaitFunction, "_wait_interval", wait_interval)


class _Forgetful(list):
    """moto appends every thread it starts (several per execution) to a module list that
    nothing reads; each keeps its execution's data alive for the life of the process."""

    def append(self, _item: Any) -> None:
        pass


def install_thread_registry() -> None:
    from moto.stepfunctions.parser import utils

    rebind("moto.stepfunctions.parser", "TMP_THREADS", utils.TMP_THREADS, _Forgetful())
