"""Circuit breaker bookkeeping: counts a service's failures and opens its circuit.

The workflow reads the circuit itself (a DynamoDB GetItem before the call) and closes it itself
(an UpdateItem after a success); this function does the part that needs arithmetic on times:

- a failure inside the window (``windowSeconds`` after the window's first failure) adds one;
  a failure after it starts a new window;
- ``threshold`` failures in one window open the circuit until ``now + cooldownSeconds``;
- a failure while the circuit is half-open (``openUntil`` has passed: the call was the trial)
  opens it again at once.

Time comes from the event (``now``, ISO 8601), not from the clock, so a test can move it;
times are written to the second.
Writes are conditional on a version number, so concurrent failures are all counted.

Event: ``{"service", "now", "threshold": 3, "windowSeconds": 30, "cooldownSeconds": 20}``.
Table name in ``CIRCUITS_TABLE``.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta, UTC
from typing import Any

import boto3
from botocore.exceptions import ClientError

_table = None


def circuits_table():
    global _table
    if _table is None:
        _table = boto3.resource("dynamodb").Table(os.environ["CIRCUITS_TABLE"])
    return _table


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def format_time(moment: datetime) -> str:
    """Whole seconds (``2026-12-01T10:00:22Z``): the form the workflow's Choice rule compares."""
    if moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)  # round up: never close early
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def next_state(current: dict[str, Any], now: datetime, threshold: int, window: float,
               cooldown: float) -> dict[str, Any]:
    """The circuit after one more failure at ``now`` (pure: the unit tests call it directly)."""
    failures = int(current.get("failures", 0))
    window_start = current.get("windowStart")
    open_until = current.get("openUntil")
    half_open = open_until is not None and parse_time(open_until) <= now
    if window_start is None or now - parse_time(window_start) > timedelta(seconds=window):
        failures, window_start = 0, format_time(now)
    failures += 1
    state = {"service": current["service"], "failures": failures, "windowStart": window_start,
             "state": "closed", "version": int(current.get("version", 0)) + 1}
    if half_open or failures >= threshold:
        state.update(state="open", openedAt=format_time(now), openUntil=format_time(now + timedelta(seconds=cooldown)))
    elif open_until is not None:
        state.update(state="open", openUntil=open_until, openedAt=current.get("openedAt", window_start))
    return state


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    service, now = event.get("service"), event.get("now")
    if not isinstance(service, str) or not isinstance(now, str):
        raise ValueError("expected a service name and now (ISO 8601)")
    moment = parse_time(now)
    table = circuits_table()
    for _ in range(10):
        current = table.get_item(Key={"service": service}, ConsistentRead=True).get("Item") or {"service": service}
        state = next_state(current, moment, int(event.get("threshold", 3)), float(event.get("windowSeconds", 30)),
                           float(event.get("cooldownSeconds", 20)))
        try:
            if "version" in current:
                table.put_item(Item=state, ConditionExpression="version = :v",
                               ExpressionAttributeValues={":v": current["version"]})
            else:
                table.put_item(Item=state, ConditionExpression="attribute_not_exists(service)")
            return {k: (int(v) if k in ("failures", "version") else v) for k, v in state.items()}
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
    raise RuntimeError(f"circuit {service} kept changing; gave up after 10 attempts")
