"""Driving an API at a chosen pace, and picturing what a throttle did to it (notebook 10).

``paced_calls`` sends requests one after the other at most ``rate`` per second (never catching up
on lost time, so it never bursts); ``concurrent_calls`` sends them from several threads as fast as
they go. Both return one row per request: seconds since the first, status, latency, API
Gateway's ``x-amzn-ErrorType`` and the message.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd
import requests

TIMEOUT_SECONDS = 30


def _row(session: requests.Session, url: str, headers: dict[str, str], started: float) -> dict[str, Any]:
    sent = time.perf_counter() - started
    response = session.get(url, headers=headers, timeout=TIMEOUT_SECONDS)
    latency_ms = (time.perf_counter() - started - sent) * 1000
    try:
        message = response.json().get("message") if response.status_code >= 400 else None
    except (ValueError, AttributeError):
        message = None
    return {"t": sent, "status": response.status_code, "latency_ms": latency_ms,
            "error_type": response.headers.get("x-amzn-ErrorType"), "message": message}


def paced_calls(url: str, *, headers: dict[str, str], rate: float, count: int) -> pd.DataFrame:
    """``count`` GETs, at most ``rate`` per second.

    >>> lab.paced_calls(f"{catalog.url}/products", headers=catalog.headers("basic"), rate=5, count=10)
    """
    session = requests.Session()
    started = time.perf_counter()
    rows, next_at = [], started
    for _ in range(count):
        pause = next_at - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        rows.append(_row(session, url, headers, started))
        next_at = max(time.perf_counter(), next_at + 1 / rate)  # late? then later, never a burst
    return pd.DataFrame(rows)


def concurrent_calls(url: str, *, headers: dict[str, str], count: int, workers: int = 8) -> pd.DataFrame:
    """``count`` GETs from ``workers`` threads, as fast as they go.

    >>> lab.concurrent_calls(f"{catalog.url}/products", headers=catalog.headers("basic"), count=40)
    """
    local = threading.local()
    started = time.perf_counter()

    def one(_: int) -> dict[str, Any]:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return _row(local.session, url, headers, started)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        rows = list(pool.map(one, range(count)))
    return pd.DataFrame(rows).sort_values("t").reset_index(drop=True)


def per_interval(calls: pd.DataFrame, seconds: float = 0.1) -> pd.DataFrame:
    """How many requests of each status were sent in each interval (rows: interval start, in s)."""
    bins = (calls["t"] // seconds * seconds).round(3)
    return calls.groupby([bins, "status"]).size().unstack(fill_value=0).rename_axis("t").rename_axis(None, axis=1)


def token_bucket(times: list[float], *, rate: float, burst: float) -> pd.DataFrame:
    """The token bucket, modelled: for requests arriving at ``times`` (seconds), the tokens in the
    bucket when each arrives and whether it gets one. The bucket starts full (``burst`` tokens),
    refills at ``rate`` tokens per second up to ``burst``, and each request takes one token or is
    refused (429)."""
    tokens, last, rows = float(burst), None, []
    for moment in times:
        if last is not None:
            tokens = min(burst, tokens + (moment - last) * rate)
        last = moment
        allowed = tokens >= 1
        rows.append({"t": moment, "tokens": round(tokens, 3), "allowed": allowed})
        if allowed:
            tokens -= 1
    return pd.DataFrame(rows, columns=["t", "tokens", "allowed"])


def plot_throttling(calls: pd.DataFrame, *, rate: float, burst: float, title: str = ""):
    """Left: requests per 100 ms, 200s green and 429s red. Right: the modelled bucket's tokens at each
    request, with the requests API Gateway refused marked."""
    import matplotlib.pyplot as plt

    bins = per_interval(calls)
    figure, (bars, bucket) = plt.subplots(1, 2, figsize=(9, 2.8), dpi=90)
    ok = bins[200] if 200 in bins else pd.Series(0, index=bins.index)
    throttled = bins[429] if 429 in bins else pd.Series(0, index=bins.index)
    bars.bar(bins.index, ok, width=0.09, align="edge", color="#4c9f70", label="200")
    bars.bar(bins.index, throttled, width=0.09, align="edge", bottom=ok, color="#d1495b", label="429")
    bars.set_xlabel("seconds (100 ms bins)")
    bars.set_ylabel("requests")
    bars.legend(fontsize=8)
    model = token_bucket(calls["t"].tolist(), rate=rate, burst=burst)
    bucket.step(model["t"], model["tokens"], where="post", color="#1f4e79", label="tokens (model)")
    refused = calls["status"] == 429
    bucket.scatter(calls.loc[refused, "t"], [0] * int(refused.sum()), marker="x", color="#d1495b", s=14,
                   label="refused (429)")
    bucket.set_ylim(-0.5, burst + 0.5)
    bucket.set_xlabel("seconds")
    bucket.set_ylabel("tokens")
    bucket.legend(fontsize=8, loc="upper right")
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    plt.close(figure)  # returned for display; not left open in pyplot's registry
    return figure
