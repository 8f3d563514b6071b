"""CloudWatch metrics as AWS services publish them, at 1-minute resolution.

The sandbox's Step Functions, Lambda and API Gateway report what happens here (``record``), and
moto's CloudWatch serves it to GetMetricData, GetMetricStatistics and ListMetrics, so the same
calls chart the same metrics on the sandbox and on AWS:

- ``AWS/States`` by ``StateMachineArn``: ExecutionsStarted, ExecutionsSucceeded, ExecutionsFailed,
  ExecutionsAborted, ExecutionsTimedOut, ExecutionTime (ms) — from moto's executions, hooked in
  ``install_states``. ExecutionThrottled is never published: the sandbox never throttles a start.
- ``AWS/Lambda`` by ``FunctionName``: Invocations, Errors, Throttles (0 or 1 for each attempt,
  so Average is a rate), Duration (ms), ConcurrentExecutions (use Maximum) — from
  ``lambda_runtime``.
- ``AWS/ApiGateway`` by ``ApiName`` and ``Stage``: Count, 4XXError, 5XXError (0 or 1 for each
  request), Latency and IntegrationLatency (ms) — from the data plane.

Why not PutMetricData for each event: an order makes about twenty data points, and moto keeps
every datum in one list that each query scans. Here a data point only adds to the running
sum/count/min/max of its (metric, dimensions, minute) cell — a dictionary update under a lock
— and moto sees one statistic set per cell, through its metric-provider hook, when asked.
Percentiles (``p99``) need the values themselves: millisecond metrics also keep up to
``SAMPLES_PER_CELL`` values per cell (a uniform random sample beyond that), and GetMetricData
answers percentile queries of these metrics from them (moto has no percentiles).
"""
from __future__ import annotations

import datetime as dt
import random
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from .patching import replace

PERIOD_SECONDS = 60
SAMPLES_PER_CELL = 2000
RETENTION_SECONDS = 15 * 24 * 3600  # AWS keeps 1-minute data points for 15 days

# (account, region, namespace, metric, dimensions, unit, minute start) -> [sum, count, min, max]
Key = tuple[str, str, str, str, tuple[tuple[str, str], ...], str, int]
_cells: dict[Key, list[float]] = {}
_samples: dict[Key, list[float]] = {}  # millisecond metrics only, for percentiles
_random = random.Random(0)
_lock = threading.Lock()
_clock: Callable[[], float] = time.time
_oldest_minute = 0


def record(account_id: str, region: str, namespace: str, metric: str, dimensions: tuple[tuple[str, str], ...],
           value: float, unit: str = "Count") -> None:
    """Add one data point to the current minute of a metric (cheap: called on every request)."""
    minute = int(_clock()) // PERIOD_SECONDS * PERIOD_SECONDS
    key = (account_id, region, namespace, metric, dimensions, unit, minute)
    with _lock:
        cell = _cells.get(key)
        if cell is None:
            _cells[key] = [value, 1, value, value]
            if minute - _oldest_minute > RETENTION_SECONDS:
                _expire(minute)
        else:
            cell[0] += value
            cell[1] += 1
            if value < cell[2]:
                cell[2] = value
            if value > cell[3]:
                cell[3] = value
        if unit == "Milliseconds":
            sample = _samples.setdefault(key, [])
            if len(sample) < SAMPLES_PER_CELL:
                sample.append(value)
            else:  # reservoir sampling: every value so far equally likely to be kept
                slot = _random.randrange(int(_cells[key][1]))
                if slot < SAMPLES_PER_CELL:
                    sample[slot] = value


def _expire(now_minute: int) -> None:
    global _oldest_minute
    cutoff = now_minute - RETENTION_SECONDS
    for key in [k for k in _cells if k[6] < cutoff]:
        del _cells[key]
        _samples.pop(key, None)
    _oldest_minute = min((k[6] for k in _cells), default=now_minute)


def cells(account_id: str, region: str) -> list[tuple[Key, list[float]]]:
    """A copy of every (key, [sum, count, min, max]) of one account and region."""
    with _lock:
        return [(key, list(value)) for key, value in _cells.items()
                if key[0] == account_id and key[1] == region]


def percentile(account_id: str, region: str, namespace: str, metric: str, dimensions: tuple[tuple[str, str], ...],
               start: int, end: int, q: float) -> float | None:
    """The q-th percentile (0-100) of a millisecond metric's values in [start, end) (epoch seconds)."""
    with _lock:
        values = [v for key, sample in _samples.items()
                  if key[:5] == (account_id, region, namespace, metric, dimensions) and start <= key[6] < end
                  for v in sample]
    if not values:
        return None
    values.sort()
    rank = q / 100 * (len(values) - 1)  # linear interpolation between the closest ranks
    low = int(rank)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (rank - low)


def reset() -> None:
    with _lock:
        _cells.clear()
        _samples.clear()


def set_clock(clock: Callable[[], float]) -> None:
    """Tests: where ``record`` reads the time (epoch seconds)."""
    global _clock
    _clock = clock


# -- the three services' data points ------------------------------------------------------------
def lambda_invocation(account_id: str, region: str, function: str, duration_ms: float, error: bool,
                      concurrency: int) -> None:
    dims = (("FunctionName", function),)
    record(account_id, region, "AWS/Lambda", "Invocations", dims, 1)
    record(account_id, region, "AWS/Lambda", "Errors", dims, 1 if error else 0)
    record(account_id, region, "AWS/Lambda", "Throttles", dims, 0)
    record(account_id, region, "AWS/Lambda", "Duration", dims, duration_ms, "Milliseconds")
    record(account_id, region, "AWS/Lambda", "ConcurrentExecutions", dims, concurrency)


def lambda_throttle(account_id: str, region: str, function: str) -> None:
    record(account_id, region, "AWS/Lambda", "Throttles", (("FunctionName", function),), 1)


def api_request(account_id: str, region: str, api_name: str, stage: str, status: int, latency_ms: float,
                integration_latency_ms: float | None) -> None:
    dims = (("ApiName", api_name), ("Stage", stage))
    record(account_id, region, "AWS/ApiGateway", "Count", dims, 1)
    record(account_id, region, "AWS/ApiGateway", "4XXError", dims, 1 if 400 <= status < 500 else 0)
    record(account_id, region, "AWS/ApiGateway", "5XXError", dims, 1 if status >= 500 else 0)
    record(account_id, region, "AWS/ApiGateway", "Latency", dims, latency_ms, "Milliseconds")
    if integration_latency_ms is not None:
        record(account_id, region, "AWS/ApiGateway", "IntegrationLatency", dims, integration_latency_ms,
               "Milliseconds")


ENDED = {"SUCCEEDED": "ExecutionsSucceeded", "FAILED": "ExecutionsFailed", "ABORTED": "ExecutionsAborted",
         "TIMED_OUT": "ExecutionsTimedOut"}


def execution_started(execution: Any) -> None:
    record(execution.account_id, execution.region_name, "AWS/States", "ExecutionsStarted",
           (("StateMachineArn", execution.state_machine_arn),), 1)


def execution_ended(execution: Any) -> None:
    metric = ENDED.get(getattr(execution.exec_status, "value", None))
    if metric is None:
        return
    dims = (("StateMachineArn", execution.state_machine_arn),)
    record(execution.account_id, execution.region_name, "AWS/States", metric, dims, 1)
    if execution.stop_date is not None:
        elapsed = (execution.stop_date - execution.start_date).total_seconds() * 1000
        record(execution.account_id, execution.region_name, "AWS/States", "ExecutionTime", dims,
               max(elapsed, 0.0), "Milliseconds")


# -- moto: where the data points come out, and the executions they come from --------------------
def install() -> None:
    """Serve the data points through moto's CloudWatch (once per process)."""
    from moto.cloudwatch.models import CloudWatchBackend, MetricAggregatedDatum
    from moto.core.common_models import CloudWatchMetricProvider

    if getattr(CloudWatchBackend, "_lab_metrics", False):
        return

    class SandboxMetrics(CloudWatchMetricProvider):
        """moto asks every provider for its data points on each metric query."""

        @staticmethod
        def get_cloudwatch_metrics(account_id: str, region: str) -> list[Any]:
            return [
                MetricAggregatedDatum(
                    namespace=key[2], name=key[3], sum_stat=value[0], sample_count=value[1],
                    min_stat=value[2], max_stat=value[3],
                    dimensions=[{"Name": n, "Value": v} for n, v in key[4]],
                    # moto compares naive UTC datetimes
                    timestamp=dt.datetime.fromtimestamp(key[6], dt.UTC).replace(tzinfo=None),
                    unit=key[5])
                for key, value in cells(account_id, region)]

    moto_get_metric_data = CloudWatchBackend.get_metric_data

    def get_metric_data(self, queries, start_time, end_time, scan_by="TimestampAscending"):
        # AWS rounds StartTime down to the whole minute (data less than 15 days old), so the
        # periods it answers are aligned with the minutes the data points belong to.
        start_time = start_time.replace(second=0, microsecond=0)
        results = moto_get_metric_data(self, queries, start_time, end_time, scan_by)
        by_id = {query["Id"]: query for query in queries}
        for result in results:
            query = by_id.get(result["id"], {})
            stat = query.get("MetricStat", {}).get("Stat", "")
            if PERCENTILE.match(stat):
                result["timestamps"], result["values"] = _percentiles(
                    self, query["MetricStat"], start_time, end_time, float(stat[1:]))
                if scan_by == "TimestampDescending":
                    result["timestamps"].reverse()
                    result["values"].reverse()
            # moto gives None for a statistic it cannot compute: AWS gives no data point
            kept = [(t, v) for t, v in zip(result["timestamps"], result["values"], strict=True) if v is not None]
            result["timestamps"], result["values"] = [t for t, _ in kept], [v for _, v in kept]
        return results

    replace(CloudWatchBackend, "get_metric_data", get_metric_data)
    CloudWatchBackend._lab_metrics = SandboxMetrics


PERCENTILE = re.compile(r"^p\d{1,2}(\.\d+)?$")


def _percentiles(backend: Any, metric_stat: dict[str, Any], start: dt.datetime, end: dt.datetime,
                 q: float) -> tuple[list[dt.datetime], list[float | None]]:
    """One percentile per period of [start, end), from the kept samples."""
    metric = metric_stat["Metric"]
    dims = tuple(sorted((d["Name"], d["Value"]) for d in metric.get("Dimensions", [])))  # recorded sorted
    period = int(metric_stat["Period"])
    first = int(start.replace(tzinfo=dt.UTC).timestamp())
    last = int(end.replace(tzinfo=dt.UTC).timestamp())
    timestamps, values = [], []
    for period_start in range(first, last, period):
        value = percentile(backend.account_id, backend.region_name, metric["Namespace"], metric["MetricName"],
                           dims, period_start, period_start + period, q)
        if value is not None:
            timestamps.append(dt.datetime.fromtimestamp(period_start, dt.UTC).replace(tzinfo=None))
            values.append(value)
    return timestamps, values


def install_states() -> None:
    """Count executions as they start and end (moto's interpreter; installed with Step Functions)."""
    from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication, Execution

    if getattr(Execution, "_lab_metrics", False):
        return
    moto_start = Execution.start
    moto_reflect = BaseExecutionWorkerCommunication._reflect_execution_status

    def start(self) -> None:
        moto_start(self)
        execution_started(self)

    def reflect_execution_status(self) -> None:
        moto_reflect(self)
        execution_ended(self.execution)

    replace(Execution, "start", start)
    replace(BaseExecutionWorkerCommunication, "_reflect_execution_status", reflect_execution_status)
    Execution._lab_metrics = True
