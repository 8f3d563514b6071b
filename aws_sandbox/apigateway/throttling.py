"""Throttling (token buckets) and quotas (requests per day/week/month), as API Gateway counts them.

A token bucket holds up to ``burst`` tokens and refills at ``rate`` tokens per second; a request
takes one token or is throttled (429 Too Many Requests). A quota allows ``limit`` requests per
calendar period in UTC (DAY; WEEK from Monday; MONTH), ``limit - offset`` in the first period
(AWS: "the number of requests subtracted from the given limit in the initial time period");
over it: 429 Limit Exceeded. The clock is injectable so tests need no sleeps.
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from collections.abc import Callable

Clock = Callable[[], float]  # seconds since the epoch


@dataclass
class TokenBucket:
    rate: float
    burst: float
    tokens: float
    updated: float

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass
class QuotaCounter:
    period_start: float
    first_period: bool
    used: int = 0


def period_start(period: str, now: float) -> float:
    """Start (epoch seconds, UTC) of the DAY/WEEK/MONTH holding ``now``."""
    day = dt.datetime.fromtimestamp(now, dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "WEEK":
        day -= dt.timedelta(days=day.weekday())
    elif period == "MONTH":
        day = day.replace(day=1)
    return day.timestamp()


class Limiter:
    """Token buckets and quota counters, keyed by whatever the caller chooses (thread safe)."""

    def __init__(self, clock: Clock = time.time):
        self.clock = clock
        self._buckets: dict[tuple, TokenBucket] = {}
        self._quotas: dict[tuple, QuotaCounter] = {}
        self._lock = threading.Lock()

    def allow(self, key: tuple, rate: float, burst: float) -> bool:
        """Take a token from the bucket ``key`` (rate/s, burst); False when it is empty."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None or bucket.rate != rate or bucket.burst != burst:
                bucket = TokenBucket(rate=rate, burst=burst, tokens=burst, updated=now)
                self._buckets[key] = bucket
            return bucket.take(now)

    def within_quota(self, key: tuple, limit: int, period: str, offset: int = 0) -> bool:
        """Count one request against quota ``key``; False when the period's limit is used up."""
        start = period_start(period, self.clock())
        with self._lock:
            counter = self._quotas.get(key)
            if counter is None:
                counter = self._quotas[key] = QuotaCounter(period_start=start, first_period=True)
            elif counter.period_start != start:
                counter.period_start, counter.first_period, counter.used = start, False, 0
            allowed = limit - (offset if counter.first_period else 0)
            if counter.used >= allowed:
                return False
            counter.used += 1
            return True

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
            self._quotas.clear()
