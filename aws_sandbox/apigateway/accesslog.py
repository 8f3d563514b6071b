"""Access log of data-plane requests: in memory (bounded) and, per stage, to CloudWatch Logs.

Every request is recorded here; ``entries(since)`` reads them, where ``since`` is a sequence
number (entries with a larger ``seq``) or an ISO-8601 time (entries after it). When a stage has
``accessLogSettings`` (destinationArn of a log group, format), a line in that format, with its
``$context.*`` variables substituted, is also written to that log group (moto's logs backend,
in-process), in stream ``{apiId}_{stage}``; a log group that does not exist gets nothing, as
in AWS, where delivery to a missing group fails.
"""
from __future__ import annotations

import datetime as dt
import itertools
import re
import threading
from collections import deque
from typing import Any

from .lookup import dotted

MAX_ENTRIES = 10_000
CONTEXT_VARIABLE = re.compile(r"\$context\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)")

_entries: deque[dict[str, Any]] = deque(maxlen=MAX_ENTRIES)
_sequence = itertools.count(1)
_lock = threading.Lock()


def record(entry: dict[str, Any]) -> dict[str, Any]:
    """Keep ``entry`` (stamped with ``seq``); the oldest fall off past MAX_ENTRIES."""
    with _lock:
        entry["seq"] = next(_sequence)
        _entries.append(entry)
    return entry


def entries(since: str | int | None = None) -> list[dict[str, Any]]:
    """Entries after ``since``: a sequence number, or an ISO-8601 time; all when None."""
    with _lock:
        snapshot = list(_entries)
    if since is None or since == "":
        return snapshot
    if isinstance(since, int) or str(since).isdigit():
        after = int(since)
        return [e for e in snapshot if e["seq"] > after]
    moment = dt.datetime.fromisoformat(str(since).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return [e for e in snapshot if dt.datetime.fromisoformat(e["time"]) > moment]


def reset() -> None:
    global _sequence
    with _lock:
        _entries.clear()
        _sequence = itertools.count(1)


def format_line(template: str, variables: dict[str, Any]) -> str:
    """Substitute ``$context.a.b`` in an access-log format; a missing value prints ``-``."""
    def value(match: re.Match[str]) -> str:
        current = dotted(variables, match[1])
        return "-" if current is None or current == "" else str(current)

    return CONTEXT_VARIABLE.sub(value, template)


def write_to_cloudwatch(settings: dict[str, Any], variables: dict[str, Any], api_id: str,
                        stage: str, epoch_ms: int) -> None:
    arn = settings.get("destinationArn") or ""
    template = settings.get("format") or ""
    parts = arn.split(":")
    if len(parts) < 7 or parts[2] != "logs" or not template:
        return
    region, account_id, group = parts[3], parts[4], parts[6]
    from moto.logs.models import logs_backends

    backend = logs_backends[account_id][region]
    if group not in backend.groups:
        return
    stream = f"{api_id}_{stage}"
    backend.ensure_log_stream(group, stream)
    backend.put_log_events(group, stream, [{"timestamp": epoch_ms, "message": format_line(template, variables)}])
