"""What executions did, read from GetExecutionHistory: each state's span, its attempts and waits,
the path through the workflow, and the transitions it was billed for.

A state's span runs from its ``…StateEntered`` event to its ``…StateExited`` event. Inside a Task
span, each attempt runs from a ``…Scheduled`` event to its ``…Succeeded``/``…Failed``/``…TimedOut``
event; the gaps between attempts are the Retry waits. Events of Parallel branches interleave;
they are paired by state name, which is unique in a state machine.
"""
from __future__ import annotations

from collections import defaultdict, deque
from typing import Any

import pandas as pd

from .backend import client

ATTEMPT_START = ("TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled")
ATTEMPT_END = {"TaskSucceeded": "succeeded", "LambdaFunctionSucceeded": "succeeded", "ActivitySucceeded": "succeeded",
               "TaskFailed": "failed", "LambdaFunctionFailed": "failed", "ActivityFailed": "failed",
               "TaskTimedOut": "timed out", "LambdaFunctionTimedOut": "timed out", "ActivityTimedOut": "timed out",
               "TaskStartFailed": "failed", "TaskSubmitFailed": "failed", "LambdaFunctionStartFailed": "failed",
               "LambdaFunctionScheduleFailed": "failed", "ActivityScheduleFailed": "failed"}


def history_events(execution_arn: str) -> list[dict[str, Any]]:
    """Every event of an execution, oldest first (all pages)."""
    events: list[dict[str, Any]] = []
    for page in client("stepfunctions").get_paginator("get_execution_history").paginate(executionArn=execution_arn):
        events.extend(page["events"])
    return events


def _state_name(event: dict[str, Any]) -> str | None:
    for key in ("stateEnteredEventDetails", "stateExitedEventDetails"):
        if key in event:
            return event[key]["name"]
    return None


def state_spans(events: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per state entered: name, type, start/end in ms since the execution started, outcome
    (``succeeded``, ``caught``: an error was routed by its Catch, ``failed``: the execution failed
    there, ``running``), its task attempts and failed attempts, and the ms spent waiting to retry.

    >>> lab.state_spans(lab.history_events(arn))
    """
    columns = ["state", "type", "start_ms", "end_ms", "duration_ms", "outcome", "attempts", "failed_attempts",
               "retry_wait_ms", "attempt_spans"]
    if not events:
        return pd.DataFrame(columns=columns)
    origin = events[0]["timestamp"]
    ms = lambda event: (event["timestamp"] - origin).total_seconds() * 1000  # noqa: E731
    open_spans: dict[str, deque[dict[str, Any]]] = defaultdict(deque)
    by_event_id: dict[int, dict[str, Any]] = {}
    spans: list[dict[str, Any]] = []
    execution_failed = any(e["type"] in ("ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted") for e in events)
    for event in events:
        kind = event["type"]
        name = _state_name(event)
        if kind.endswith("StateEntered") and name:
            span = {"state": name, "type": kind.removesuffix("StateEntered"), "start_ms": ms(event), "end_ms": None,
                    "outcome": "running", "attempt_spans": [], "failed_attempts": 0, "_attempt": None}
            open_spans[name].append(span)
            spans.append(span)
            by_event_id[event["id"]] = span
            continue
        # every other event belongs to the span its chain of previous events leads to
        span = by_event_id.get(event.get("previousEventId"))
        if kind.endswith("StateExited") and name and open_spans[name]:
            span = open_spans[name].popleft()
            span["end_ms"] = ms(event)
            span["outcome"] = "exited"
        if span is None:
            continue
        by_event_id[event["id"]] = span
        if kind in ATTEMPT_START:
            span["_attempt"] = ms(event)
        elif kind in ATTEMPT_END:
            start = span["_attempt"] if span["_attempt"] is not None else ms(event)
            span["attempt_spans"].append((start, ms(event), ATTEMPT_END[kind]))
            span["_attempt"] = None
            if ATTEMPT_END[kind] != "succeeded":
                span["failed_attempts"] += 1
        elif kind.endswith("Failed") or kind.endswith("Aborted") or kind.endswith("TimedOut"):
            span["_error"] = True
    end = ms(events[-1])
    for span in spans:
        if span["end_ms"] is None:  # never exited: where the execution stopped
            span["end_ms"] = end
            span["outcome"] = "failed" if execution_failed else "running"
        attempts = span["attempt_spans"]
        if span["outcome"] == "exited":  # left with an error its Catch routed, or normally
            last_failed = attempts[-1][2] != "succeeded" if attempts else span.get("_error", False)
            span["outcome"] = "caught" if last_failed else "succeeded"
        if span["type"] == "Fail":
            span["outcome"] = "failed"
        span["attempts"] = len(attempts)
        span["retry_wait_ms"] = sum(b[0] - a[1] for a, b in zip(attempts, attempts[1:], strict=False))
        span["duration_ms"] = span["end_ms"] - span["start_ms"]
    return pd.DataFrame(spans)[columns]


def execution_path(events: list[dict[str, Any]]) -> dict[str, str]:
    """Each state the execution entered, with its outcome; states it never entered are absent.

    >>> lab.draw_workflow(definition, path=lab.execution_path(lab.history_events(arn)))
    """
    spans = state_spans(events)
    path: dict[str, str] = {}
    for state, outcome in zip(spans["state"], spans["outcome"], strict=True):
        if path.get(state) not in ("failed", "caught"):  # the worst outcome wins (a Map runs a state often)
            path[state] = outcome
    return path


def state_transitions(events: list[dict[str, Any]]) -> int:
    """What Standard bills: one state transition for every state entered (branch states included)."""
    return sum(1 for event in events if event["type"].endswith("StateEntered"))


def task_calls(*histories: list[dict[str, Any]]) -> pd.Series:
    """Task attempts by service integration (``lambda:invoke``, ``dynamodb:putItem`` ...), summed
    over the histories given."""
    calls = []
    for events in histories:
        calls += [f"{e['taskScheduledEventDetails']['resourceType']}:{e['taskScheduledEventDetails']['resource']}"
                  for e in events if e["type"] == "TaskScheduled"]
        calls += ["lambda:invoke" for e in events if e["type"] == "LambdaFunctionScheduled"]
    return pd.Series(calls, dtype="object").value_counts()


def state_durations(execution_arns: list[str]) -> pd.DataFrame:
    """One row per state per execution (execution, state, type, duration, attempts), for many executions.

    >>> durations = lab.state_durations(list(arns))
    """
    frames = []
    for arn in execution_arns:
        spans = state_spans(history_events(arn))
        spans.insert(0, "execution", arn.rsplit(":", 1)[1])
        frames.append(spans.drop(columns=["attempt_spans"]))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
