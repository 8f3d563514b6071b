"""Task attempts read from an execution's history: when each try started and ended, and how.

Step Functions records a ``TaskScheduled`` event for every attempt, then ``TaskSucceeded``,
``TaskFailed`` or ``TaskTimedOut``; the gap before the next ``TaskScheduled`` is the Retry's
backoff (with jitter, a random share of it).
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from .backend import client

ENDINGS = {"TaskSucceeded": "succeeded", "TaskFailed": "failed", "TaskTimedOut": "timed out"}


def _history(execution_arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for page in client("stepfunctions").get_paginator("get_execution_history").paginate(executionArn=execution_arn):
        events.extend(page["events"])
    return events


def _state_of(event: dict[str, Any], by_id: dict[int, dict[str, Any]]) -> str:
    """The state an event belongs to: follow previousEventId back to the state's entry."""
    while event is not None:
        details = event.get("stateEnteredEventDetails")
        if details:
            return details["name"]
        event = by_id.get(event.get("previousEventId"))
    return ""


def retry_timeline(execution_arn: str) -> pd.DataFrame:
    """One row per Task attempt: state, attempt, start_s and end_s (seconds since the execution
    started), outcome, error, and the wait before it (the backoff).

    >>> lab.retry_timeline(execution_arn)
    """
    events = _history(execution_arn)
    by_id = {e["id"]: e for e in events}
    start = events[0]["timestamp"]
    rows: list[dict[str, Any]] = []
    open_attempts: dict[str, dict[str, Any]] = {}
    for event in events:
        seconds = (event["timestamp"] - start).total_seconds()
        if event["type"] == "TaskScheduled":
            state = _state_of(event, by_id)
            done = [r for r in rows if r["state"] == state]
            row = {"state": state, "attempt": len(done) + 1, "start_s": round(seconds, 3), "end_s": None,
                   "outcome": "running", "error": "",
                   "wait_s": round(seconds - done[-1]["end_s"], 3) if done and done[-1]["end_s"] is not None else 0.0}
            rows.append(row)
            open_attempts[state] = row
        elif event["type"] in ENDINGS:
            state = _state_of(event, by_id)
            row = open_attempts.pop(state, None)
            if row is None:
                continue
            details = next((v for k, v in event.items() if k.endswith("EventDetails")), {})
            row.update(end_s=round(seconds, 3), outcome=ENDINGS[event["type"]], error=details.get("error", ""))
    return pd.DataFrame(rows, columns=["state", "attempt", "wait_s", "start_s", "end_s", "outcome", "error"])


def plot_retry_timeline(timeline: pd.DataFrame, title: str = "Task attempts"):
    """A horizontal bar per attempt (green succeeded, red failed, orange timed out) on one time axis,
    one row per state; the white gaps are the backoff between attempts. Returns the figure."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    colours = {"succeeded": "#3F8624", "failed": "#D13212", "timed out": "#FF9900", "running": "#999999"}
    states = list(dict.fromkeys(timeline["state"]))
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(states) + 1.6), dpi=80)
    for _, row in timeline.iterrows():
        end = row["end_s"] if row["end_s"] is not None else row["start_s"]
        y = states.index(row["state"])
        ax.barh(y, max(end - row["start_s"], 0.02), left=row["start_s"], height=0.6,
                color=colours[row["outcome"]], edgecolor="black", linewidth=0.5)
        if row["attempt"] > 1:
            ax.annotate(f"try {row['attempt']} after {row['wait_s']:.1f} s", (row["start_s"], y - 0.4),
                        fontsize=7, ha="center")
    ax.set_yticks(range(len(states)), states, fontsize=8)
    ax.set_ylim(len(states) - 0.5, -1)
    ax.set_xlabel("seconds since the execution started")
    ax.set_title(title, fontsize=10)
    ax.legend(handles=[Patch(color=c, label=o) for o, c in colours.items() if o in set(timeline["outcome"])],
              loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3, fontsize=8, frameon=False)
    fig.tight_layout()
    return fig
