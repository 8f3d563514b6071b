"""Fault injection the learner controls, through each saga service's configuration.

The services read ``FAULT_*`` environment variables (``lambdas/faults.py``), so this works the
same on AWS, LocalStack and the sandbox: a configuration change is a normal Lambda update, and
the next invocations run in fresh execution environments that see it.
"""
from __future__ import annotations

from typing import Any

from .backend import client
from .config import names
from .lambdas import WAIT

KINDS = ("error", "timeout", "throttle")
SERVICES = ("stock", "payment", "shipping", "notification")


def _update_environment(service: str, change: dict[str, str | None]) -> dict[str, str]:
    if service not in SERVICES:
        raise ValueError(f"service must be one of {', '.join(SERVICES)}, not {service!r}")
    lam, function = client("lambda"), names().service(service)
    current = lam.get_function_configuration(FunctionName=function).get("Environment", {}).get("Variables", {})
    wanted = {k: v for k, v in {**current, **change}.items() if v is not None}
    if wanted != current:
        lam.update_function_configuration(FunctionName=function, Environment={"Variables": wanted})
        lam.get_waiter("function_updated_v2").wait(FunctionName=function, WaiterConfig=WAIT)
    return {k: v for k, v in wanted.items() if k.startswith("FAULT_")}


def inject_fault(service: str, *, rate: float = 0.3, kind: str = "error", every: int | None = None,
                 seed: int | None = None, delay_seconds: float | None = None,
                 actions: list[str] | None = None) -> dict[str, str]:
    """Make a saga service fail: ``rate`` of its calls (or ``every`` Nth call of each of its execution
    environments), in one of three ways:
    ``error`` (fails before acting), ``throttle`` (asks to slow down), ``timeout`` (acts, answers late);
    only its ``actions`` (e.g. ``["charge"]``) if given. Returns the FAULT_* settings now in the
    function's environment.

    >>> lab.inject_fault("payment", rate=0.3, kind="error")
    {'FAULT_KIND': 'error', 'FAULT_RATE': '0.3'}
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if not 0 <= rate <= 1:
        raise ValueError("rate is a share of calls, between 0 and 1")
    if every is not None and every < 1:
        raise ValueError("every must be 1 or more")
    return _update_environment(service, {
        "FAULT_KIND": kind, "FAULT_RATE": None if every else str(rate),
        "FAULT_EVERY": str(every) if every else None, "FAULT_SEED": None if seed is None else str(seed),
        "FAULT_DELAY_SECONDS": None if delay_seconds is None else str(delay_seconds),
        "FAULT_ACTIONS": ",".join(actions) if actions else None})


def clear_faults(*services: str) -> dict[str, dict[str, str]]:
    """Remove injected faults from the given services (default: all); return what is left (nothing).

    >>> lab.clear_faults()
    {'stock': {}, 'payment': {}, 'shipping': {}, 'notification': {}}
    """
    names_ = {"FAULT_KIND", "FAULT_RATE", "FAULT_EVERY", "FAULT_SEED", "FAULT_DELAY_SECONDS", "FAULT_ACTIONS"}
    return {s: _update_environment(s, dict.fromkeys(names_)) for s in services or SERVICES}


def fault_settings() -> dict[str, dict[str, Any]]:
    """The FAULT_* settings of every saga service, by service."""
    lam, n = client("lambda"), names()
    return {s: {k: v for k, v in lam.get_function_configuration(FunctionName=n.service(s))
                .get("Environment", {}).get("Variables", {}).items() if k.startswith("FAULT_")}
            for s in SERVICES}
