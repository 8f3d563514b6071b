"""Put load on POST /orders: an open-loop driver (a fixed arrival rate) and a closed-loop one
(N virtual users), one row per request, joined to the executions the orders started.

A small driver on ``requests`` (one keep-alive session per worker thread) rather than Locust:
Locust runs as its own process on gevent, whose monkey-patching does not mix with a Jupyter
kernel's threads and boto3, and its CSV stats are aggregates, where the notebooks want every
request as a row to join with its execution. The two drivers differ in the one way that matters:

- **open loop** sends request *i* at ``start + i / rate`` whether or not earlier ones have
  answered (as independent clients do). If every worker is busy, the request waits in the
  driver's queue, and that wait counts: ``response_ms`` runs from the time it *should* have
  been sent. Measuring from when it was actually sent (``service_ms``) hides the queue: that is
  *coordinated omission*.
- **closed loop** has N users who each send, wait for the answer, think, and send again: a slow
  system slows the users down, so the offered load drops exactly when the system struggles.

``LAB_CI=1`` (set by the test runner) makes every run a few seconds long.
"""
from __future__ import annotations

import itertools
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from collections.abc import Callable

import numpy as np
import pandas as pd
import requests

from .backend import client

# Lambda answers 429 past 10 busy workers per function on the sandbox until calls queue there.
MAX_IN_FLIGHT = 8
TIMEOUT_SECONDS = 30

Send = Callable[[dict[str, Any]], tuple[int, str]]


def run_id() -> str:
    """A short id that makes this run's order ids new (an order id can be used once)."""
    return uuid.uuid4().hex[:6]


def sample_order(order_id: str) -> dict[str, Any]:
    """The order every virtual user places: a valid user, two products in stock."""
    return {"orderId": order_id, "userId": "loaduser01",
            "items": [{"productId": "prod-1", "quantity": 1}, {"productId": "prod-2", "quantity": 1}]}


def http_sender(api_url: str) -> Send:
    """POST an order to ``{api_url}/orders`` on this thread's keep-alive session; (status, error)."""
    local = threading.local()

    def send(order: dict[str, Any]) -> tuple[int, str]:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        try:
            answer = session.post(f"{api_url}/orders", json=order, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as error:
            return 0, type(error).__name__
        return answer.status_code, "" if answer.status_code == 200 else answer.text[:200]

    return send


@dataclass
class _Clock:
    """Seconds since the run started (monotonic), and the wall time of that start."""

    started: float = 0.0
    wall: float = 0.0

    def start(self) -> None:
        self.started, self.wall = time.perf_counter(), time.time()

    def now(self) -> float:
        return time.perf_counter() - self.started


def _row(clock: _Clock, order_id: str, user: int | None, scheduled: float, send: Send,
         order: dict[str, Any]) -> dict[str, Any]:
    sent = clock.now()
    status, error = send(order)
    done = clock.now()
    return {"order_id": order_id, "user": user, "scheduled_s": scheduled, "sent_s": sent, "done_s": done,
            "sent_at": pd.Timestamp(clock.wall + sent, unit="s", tz="UTC"),
            "service_ms": (done - sent) * 1000, "response_ms": (done - scheduled) * 1000,
            "status": status, "error": error}


def _progress(total: int | None, description: str, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=description, unit="req", disable=not enabled, leave=True)


def open_loop(send: Send, *, rate: float, seconds: float, max_in_flight: int = MAX_IN_FLIGHT,
              prefix: str | None = None, progress: bool = True) -> pd.DataFrame:
    """Send ``rate`` orders a second for ``seconds``, on schedule, ``max_in_flight`` at a time at most;
    one row per request.

    >>> requests_df = lab.open_loop(lab.http_sender(api_url), rate=20, seconds=30)
    """
    if rate <= 0 or seconds <= 0:
        raise ValueError("rate and seconds must be positive")
    prefix = prefix or f"load-{run_id()}"
    count = max(1, round(rate * seconds))
    clock = _Clock()
    futures = []
    with ThreadPoolExecutor(max_workers=max_in_flight, thread_name_prefix="open-loop") as pool, \
            _progress(count, f"open loop {rate:g}/s", progress) as bar:
        clock.start()
        for i in range(count):
            scheduled = i / rate
            pause = scheduled - clock.now()
            if pause > 0:
                time.sleep(pause)
            order_id = f"{prefix}-{i:05d}"
            future = pool.submit(_row, clock, order_id, None, scheduled, send, sample_order(order_id))
            future.add_done_callback(lambda _: bar.update(1))
            futures.append(future)
    rows = pd.DataFrame([f.result() for f in futures])
    rows.attrs.update(mode="open", offered_rate=rate, seconds=seconds, max_in_flight=max_in_flight)
    return rows


def closed_loop(send: Send, *, users: int, seconds: float | None = None, requests_per_user: int | None = None,
                think_seconds: float = 0.0, prefix: str | None = None, progress: bool = True) -> pd.DataFrame:
    """``users`` virtual users, each sending an order, waiting for its answer and ``think_seconds``,
    then the next, for ``seconds`` (or ``requests_per_user`` each); one row per request.

    >>> requests_df = lab.closed_loop(lab.http_sender(api_url), users=8, seconds=30)
    """
    if users < 1 or (seconds is None) == (requests_per_user is None):
        raise ValueError("give users >= 1 and exactly one of seconds or requests_per_user")
    prefix = prefix or f"load-{run_id()}"
    numbers = itertools.count()
    lock = threading.Lock()
    clock = _Clock()
    total = users * requests_per_user if requests_per_user else None
    rows: list[dict[str, Any]] = []

    with _progress(total, f"closed loop, {users} users", progress) as bar:
        def user(number: int) -> None:
            done = 0
            while (requests_per_user is None or done < requests_per_user) and \
                    (seconds is None or clock.now() < seconds):
                with lock:
                    order_id = f"{prefix}-{next(numbers):05d}"
                row = _row(clock, order_id, number, clock.now(), send, sample_order(order_id))
                with lock:
                    rows.append(row)
                bar.update(1)
                done += 1
                if think_seconds:
                    time.sleep(think_seconds)

        threads = [threading.Thread(target=user, args=(n,), name=f"user-{n}") for n in range(users)]
        clock.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    frame = pd.DataFrame(rows).sort_values("scheduled_s", ignore_index=True)
    frame.attrs.update(mode="closed", users=users, seconds=seconds or frame["done_s"].max(),
                       think_seconds=think_seconds)
    return frame


def join_executions(requests_df: pd.DataFrame, state_machine_arn: str, *, timeout: float = 120.0) -> pd.DataFrame:
    """Add each accepted order's execution (the orderId names it): status, start and stop, and
    ``end_to_end_ms`` from sending the POST to the workflow's end. Waits (bounded) until they end.

    >>> joined = lab.join_executions(requests_df, ws.state_machine_arn)
    """
    wanted = set(requests_df.loc[requests_df["status"] == 200, "order_id"])
    sfn = client("stepfunctions")
    deadline = time.monotonic() + timeout
    found: dict[str, dict[str, Any]] = {}
    while True:
        found = {}
        # newest first: stop paging once every order of this run has been seen
        for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=state_machine_arn):
            for execution in page["executions"]:
                if execution["name"] in wanted:
                    found[execution["name"]] = execution
            if len(found) == len(wanted):
                break
        running = [e for e in found.values() if e["status"] == "RUNNING"]
        if (len(found) == len(wanted) and not running) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    executions = pd.DataFrame([{
        "order_id": name, "execution_status": e["status"],
        "execution_start": pd.Timestamp(e["startDate"]).tz_convert("UTC"),
        "execution_stop": pd.Timestamp(e["stopDate"]).tz_convert("UTC") if e.get("stopDate") else pd.NaT,
    } for name, e in found.items()], columns=["order_id", "execution_status", "execution_start", "execution_stop"])
    joined = requests_df.merge(executions, on="order_id", how="left")
    joined["end_to_end_ms"] = (joined["execution_stop"] - joined["sent_at"]).dt.total_seconds() * 1000
    joined.attrs.update(requests_df.attrs)
    return joined


def load_summary(requests_df: pd.DataFrame) -> dict[str, float]:
    """Throughput and latency of one run: what a load-test report leads with."""
    ok = requests_df[requests_df["status"] == 200]
    # over the run's own length at least: a short run's last answers would otherwise inflate it
    span = max(requests_df["done_s"].max() - requests_df["scheduled_s"].min(),
               requests_df.attrs.get("seconds") or 0, 1e-9)
    out = {
        "requests": len(requests_df), "ok": len(ok), "errors": len(requests_df) - len(ok),
        "offered_per_s": requests_df.attrs.get("offered_rate", len(requests_df) / span),
        "throughput_per_s": len(ok) / span,
        "p50_ms": requests_df["response_ms"].quantile(0.5), "p90_ms": requests_df["response_ms"].quantile(0.9),
        "p99_ms": requests_df["response_ms"].quantile(0.99),
        "service_p99_ms": requests_df["service_ms"].quantile(0.99),
    }
    if "end_to_end_ms" in requests_df:
        out["end_to_end_p50_ms"] = requests_df["end_to_end_ms"].quantile(0.5)
        out["end_to_end_p99_ms"] = requests_df["end_to_end_ms"].quantile(0.99)
    return {key: round(float(value), 1) for key, value in out.items()}


def in_flight(requests_df: pd.DataFrame, step_s: float = 0.001) -> pd.Series:
    """How many requests were waiting or being served at each instant (for Little's law), on a
    grid of ``step_s``: +1 where a request was due, -1 where it was answered."""
    steps = int(requests_df["done_s"].max() / step_s) + 2
    change = np.zeros(steps)
    np.add.at(change, (requests_df["scheduled_s"] / step_s).astype(int).to_numpy(), 1)
    np.add.at(change, (requests_df["done_s"] / step_s).astype(int).to_numpy(), -1)
    return pd.Series(np.cumsum(change)[:-1], index=np.arange(steps - 1) * step_s)


def step_load(send: Send, rates: list[float], *, seconds: float, max_in_flight: int = MAX_IN_FLIGHT,
              progress: bool = True) -> pd.DataFrame:
    """One open-loop run per rate, lowest first; one summary row per rate (to find the knee).

    >>> steps = lab.step_load(lab.http_sender(api_url), [10, 20, 40, 80], seconds=10)
    """
    rows = []
    for rate in sorted(rates):
        run = open_loop(send, rate=rate, seconds=seconds, max_in_flight=max_in_flight, progress=progress)
        rows.append(load_summary(run))
    return pd.DataFrame(rows)
