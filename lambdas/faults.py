"""Fault injection a learner switches on through a function's configuration (its environment).

The same code runs on AWS, LocalStack and the sandbox: ``lab.inject_fault("payment", rate=0.3)``
only sets environment variables, and a configuration change starts fresh execution environments.

- ``FAULT_KIND``: ``error`` (fails before doing anything: ``ServiceUnavailable``), ``throttle``
  (the service says slow down: ``TooManyRequestsException``), ``timeout`` (does the work, then
  answers too late: the caller times out although the work happened).
- ``FAULT_RATE``: the share of calls that fail, 0..1 (random, or seeded by ``FAULT_SEED``).
- ``FAULT_EVERY``: fail every Nth call of an execution environment instead (deterministic for
  one caller at a time; with callers side by side, which call lands on which environment is not).
- ``FAULT_DELAY_SECONDS``: how long a ``timeout`` fault keeps the caller waiting (default 25:
  longer than the saga's 20 s charge timeout, shorter than the function's own 30 s).
- ``FAULT_ACTIONS``: only these actions fail (comma-separated, e.g. ``charge``); default all.
"""
from __future__ import annotations

import os
import random
import time
from typing import Any
from collections.abc import Callable

KINDS = ("error", "throttle", "timeout")


class ServiceUnavailable(Exception):
    """An injected outage: retrying later may work."""


class TooManyRequestsException(Exception):
    """An injected throttle: the service asks the caller to slow down."""


class _State:
    calls = 0
    rng: random.Random | None = None
    seed: str | None = None


def _should_fail() -> bool:
    _State.calls += 1
    every = int(os.environ.get("FAULT_EVERY") or 0)
    if every > 0:
        return _State.calls % every == 0
    rate = float(os.environ.get("FAULT_RATE") or 0)
    if rate <= 0:
        return False
    seed = os.environ.get("FAULT_SEED")
    if _State.rng is None or _State.seed != seed:
        _State.rng, _State.seed = random.Random(seed), seed
    return _State.rng.random() < rate


def run_with_faults(work: Callable[[], Any], action: str = "") -> Any:
    """Run ``work()`` (the handler's ``action``), failing as the function's FAULT_* settings ask
    (no settings: just run it)."""
    kind = os.environ.get("FAULT_KIND") or ""
    actions = [a.strip() for a in (os.environ.get("FAULT_ACTIONS") or "").split(",") if a.strip()]
    if kind not in KINDS or (actions and action not in actions) or not _should_fail():
        return work()
    if kind == "error":
        function = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "service")
        raise ServiceUnavailable(f"injected fault: {function} is unavailable")
    if kind == "throttle":
        raise TooManyRequestsException("injected fault: rate exceeded, slow down")
    result = work()  # the work happens; only the answer is late
    time.sleep(float(os.environ.get("FAULT_DELAY_SECONDS") or 25))
    return result
