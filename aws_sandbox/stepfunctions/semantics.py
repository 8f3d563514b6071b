"""Step Functions semantics as AWS has them, where moto's interpreter differs (correctness fixes).

- ``StringMatches`` treats only ``*`` as a wildcard (moto used shell-style ``fnmatch``);
- context object timestamps (``$$.Execution.StartTime``, ``$$.State.EnteredTime``) in AWS's format;
- a component's heap key is its identity (moto drew a UUID lazily: racy across threads);
- moto's list of every thread it started is not kept (it held every execution's data);
- ``LAB_SANDBOX_SFN_TIME_SCALE`` (tests only) scales Retry and Wait delays.
"""
from __future__ import annotations

import datetime
import functools
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
