"""CloudWatch metric alarms, evaluated as AWS evaluates them (moto stores alarms but never does).

Every ``LAB_SANDBOX_ALARM_SECONDS`` (default 2) a background thread evaluates each metric alarm
of every account and region on its metric's data points (the services' metrics of ``metrics``
and anything sent with PutMetricData): the statistic of each of the last ``EvaluationPeriods``
periods is compared with the threshold; ``DatapointsToAlarm`` (M of N) breaching periods put it
in ALARM, fewer in OK, no data in INSUFFICIENT_DATA (``TreatMissingData`` decides what a missing
period counts as). A state change is recorded (DescribeAlarms: state, reason, reason data) and, with
actions enabled, the new state's SNS topic actions get AWS's alarm notification.

Where it differs from AWS: AWS evaluates once a period, shortly after it ends; the sandbox
evaluates every few seconds and counts the current, unfinished period, so an alarm fires within
seconds of the data that breaches it. Metric math alarms, composite alarms, percentile
statistics and actions other than SNS topics are stored but not evaluated.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
import time
from typing import Any

from .patching import replace

log = logging.getLogger("aws_sandbox.alarms")

INTERVAL_ENV = "LAB_SANDBOX_ALARM_SECONDS"
DEFAULT_INTERVAL_SECONDS = 2.0
REGION_NAMES = {"us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)",
                "us-west-2": "US West (Oregon)", "eu-west-1": "EU (Ireland)", "eu-central-1": "EU (Frankfurt)"}
COMPARISONS = {
    "GreaterThanOrEqualToThreshold": (lambda v, t: v >= t, "greater than or equal to"),
    "GreaterThanThreshold": (lambda v, t: v > t, "greater than"),
    "LessThanThreshold": (lambda v, t: v < t, "less than"),
    "LessThanOrEqualToThreshold": (lambda v, t: v <= t, "less than or equal to"),
}

_started = False
_lock = threading.Lock()


def install() -> None:
    """New alarms start in INSUFFICIENT_DATA, as on AWS; start the evaluating thread (once)."""
    global _started
    from moto.cloudwatch.models import CloudWatchBackend

    with _lock:
        if _started:
            return
        _started = True
    moto_put = CloudWatchBackend.put_metric_alarm

    def put_metric_alarm(self, name, *args, **kwargs):
        alarm = moto_put(self, name, *args, **kwargs)
        alarm.state_value = "INSUFFICIENT_DATA"  # moto says OK before anything was evaluated
        return alarm

    replace(CloudWatchBackend, "put_metric_alarm", put_metric_alarm)
    interval = float(os.environ.get(INTERVAL_ENV) or DEFAULT_INTERVAL_SECONDS)
    threading.Thread(target=_evaluate_forever, args=(interval,), name="alarms", daemon=True).start()


def _evaluate_forever(interval: float) -> None:
    while True:
        time.sleep(interval)
        try:
            evaluate_all(time.time())
        except Exception:  # one bad alarm must not stop the others being evaluated
            log.exception("alarm evaluation failed")


def evaluate_all(now: float) -> None:
    """Evaluate every metric alarm of every account and region at ``now`` (epoch seconds)."""
    from moto.cloudwatch.models import cloudwatch_backends

    for _, regions in list(cloudwatch_backends.items()):
        for _, backend in list(regions.items()):
            for alarm in list(backend.alarms.values()):
                if alarm.metric_name and not alarm.metric_data_queries and not alarm.rule:
                    evaluate(backend, alarm, now)


def statistic(datums: list[Any], name: str) -> float | None:
    """One statistic of a period's data points (single values or statistic sets); None when empty."""
    if not datums:
        return None
    sums = [getattr(d, "sum", getattr(d, "value", 0.0)) for d in datums]
    counts = [getattr(d, "sample_count", 1.0) for d in datums]
    if name == "Sum":
        return float(sum(sums))
    if name == "SampleCount":
        return float(sum(counts))
    if name == "Average":
        return float(sum(sums) / sum(counts))
    if name == "Minimum":
        return float(min(getattr(d, "min", getattr(d, "value", 0.0)) for d in datums))
    if name == "Maximum":
        return float(max(getattr(d, "max", getattr(d, "value", 0.0)) for d in datums))
    return None  # percentiles cannot be computed from statistic sets


def datapoints(backend: Any, alarm: Any, now: float) -> list[tuple[dt.datetime, float | None]]:
    """(period start, value) of the alarm's last EvaluationPeriods periods, oldest first; the last
    period is the one ``now`` is in if it has data yet, else the one that just ended (as AWS
    evaluates a period once it is over, a breach in its last second is not missed)."""
    period = int(alarm.period)
    end = int(now) // period * period + period
    wanted = sorted((d.name, d.value) for d in alarm.dimensions)
    matching: list[tuple[float, Any]] = []
    for datum in backend.get_all_metrics():
        if datum.namespace != alarm.namespace or datum.name != alarm.metric_name:
            continue
        if sorted((d.name, d.value) for d in datum.dimensions) != wanted:
            continue
        if alarm.unit and datum.unit != alarm.unit:
            continue
        stamp = datum.timestamp
        matching.append(((stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)).timestamp(), datum))
    if not any(end - period <= epoch < end for epoch, _ in matching):
        end -= period
    first = end - period * int(alarm.evaluation_periods)
    by_period: dict[int, list[Any]] = {}
    for epoch, datum in matching:
        if first <= epoch < end:
            by_period.setdefault(int(epoch - first) // period, []).append(datum)
    return [(dt.datetime.fromtimestamp(first + i * period, dt.UTC),
             statistic(by_period.get(i, []), alarm.statistic))
            for i in range(int(alarm.evaluation_periods))]


def decide(alarm: Any, points: list[tuple[dt.datetime, float | None]]) -> tuple[str | None, str]:
    """The state the data points put the alarm in (None: leave it) and AWS's kind of reason."""
    compare, words = COMPARISONS.get(alarm.comparison_operator, (None, ""))
    if compare is None:  # anomaly-detection operators need a model the sandbox does not have
        return None, ""
    needed = int(alarm.datapoints_to_alarm or alarm.evaluation_periods)
    treat = alarm.treat_missing_data or "missing"
    present = [(when, value) for when, value in points if value is not None]
    missing = len(points) - len(present)
    breaching = sum(1 for _, value in present if compare(value, float(alarm.threshold)))
    if treat == "breaching":
        breaching += missing
    if not present and treat in ("missing", "ignore"):
        if treat == "ignore":
            return None, ""
        return "INSUFFICIENT_DATA", (f"Insufficient Data: {len(points)} datapoint"
                                     f"{'s were' if len(points) > 1 else ' was'} unknown.")
    shown = ", ".join(f"{value} ({when:%d/%m/%y %H:%M:%S})" for when, value in reversed(present))
    threshold = float(alarm.threshold)
    if breaching >= needed:
        return "ALARM", (f"Threshold Crossed: {breaching} out of the last {len(points)} datapoints [{shown}] "
                         f"{'was' if breaching == 1 else 'were'} {words} the threshold ({threshold}) "
                         f"(minimum {needed} datapoint{'s' if needed > 1 else ''} for OK -> ALARM transition).")
    return "OK", (f"Threshold Crossed: {len(present)} datapoint{'s' if len(present) != 1 else ''} [{shown}] "
                  f"{'was' if len(present) == 1 else 'were'} not {words} the threshold ({threshold}).")


def evaluate(backend: Any, alarm: Any, now: float) -> bool:
    """Evaluate one alarm; on a state change record it and run its actions. True if it changed."""
    points = datapoints(backend, alarm, now)
    state, reason = decide(alarm, points)
    if state is None or state == alarm.state_value:
        return False
    old = alarm.state_value
    reason_data = json.dumps({
        "version": "1.0", "queryDate": _iso(now), "statistic": alarm.statistic, "period": int(alarm.period),
        "recentDatapoints": [v for _, v in points if v is not None], "threshold": float(alarm.threshold),
        "evaluatedDatapoints": [{"timestamp": w.strftime("%Y-%m-%dT%H:%M:%S.000+0000"), "value": v}
                                for w, v in reversed(points) if v is not None]})
    alarm.update_state(reason, reason_data, state)
    if alarm.actions_enabled:
        actions = {"ALARM": alarm.alarm_actions, "OK": alarm.ok_actions,
                   "INSUFFICIENT_DATA": alarm.insufficient_data_actions}[state]
        for action in actions or []:
            _notify(backend, alarm, action, old, now)
    return True


def notification(backend: Any, alarm: Any, old_state: str, now: float) -> tuple[str, str]:
    """The subject and JSON message CloudWatch sends to an SNS topic on a state change."""
    region = REGION_NAMES.get(backend.region_name, backend.region_name)
    message = {
        "AlarmName": alarm.name, "AlarmDescription": alarm.description or None,
        "AWSAccountId": backend.account_id,
        "AlarmConfigurationUpdatedTimestamp": alarm.configuration_updated_timestamp.strftime(
            "%Y-%m-%dT%H:%M:%S.000+0000"),
        "NewStateValue": alarm.state_value, "NewStateReason": alarm.state_reason,
        "StateChangeTime": _iso(now), "Region": region, "AlarmArn": alarm.alarm_arn,
        "OldStateValue": old_state, "OKActions": alarm.ok_actions, "AlarmActions": alarm.alarm_actions,
        "InsufficientDataActions": alarm.insufficient_data_actions,
        "Trigger": {
            "MetricName": alarm.metric_name, "Namespace": alarm.namespace, "StatisticType": "Statistic",
            "Statistic": str(alarm.statistic).upper(), "Unit": alarm.unit,
            "Dimensions": [{"value": d.value, "name": d.name} for d in alarm.dimensions],
            "Period": int(alarm.period), "EvaluationPeriods": int(alarm.evaluation_periods),
            "DatapointsToAlarm": int(alarm.datapoints_to_alarm or alarm.evaluation_periods),
            "ComparisonOperator": alarm.comparison_operator, "Threshold": float(alarm.threshold),
            "TreatMissingData": alarm.treat_missing_data or "missing",
            "EvaluateLowSampleCountPercentile": alarm.evaluate_low_sample_count_percentile or "",
        },
    }
    return f'{alarm.state_value}: "{alarm.name}" in {region}', json.dumps(message)


def _notify(backend: Any, alarm: Any, action: str, old_state: str, now: float) -> None:
    parts = action.split(":")
    if len(parts) < 6 or parts[2] != "sns":
        return  # Auto Scaling, EC2, Lambda and Systems Manager actions are not run
    from moto.sns.models import sns_backends

    subject, message = notification(backend, alarm, old_state, now)
    try:
        sns_backends[parts[4]][parts[3]].publish(message, arn=action, subject=subject)
    except Exception:  # AWS records a failed action in the alarm history; the alarm still changes
        log.exception("alarm %s could not publish to %s", alarm.name, action)


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"
