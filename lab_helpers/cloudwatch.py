"""CloudWatch for the workshop: the services' metrics as tables, a dashboard, an alarm whose
notifications land in an SQS queue the notebook can read.

The metrics are the ones AWS publishes by itself (AWS/States, AWS/Lambda, AWS/ApiGateway); the same
``GetMetricData`` calls work on the sandbox, which publishes them too, and on AWS.
"""
from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pandas as pd

from .backend import client, tags
from .config import names, settings


def metric(namespace: str, name: str, dimensions: dict[str, str], stat: str = "Sum", *,
           label: str | None = None, period: int = 60) -> dict[str, Any]:
    """One GetMetricData query (1-minute periods unless told), identified by its label.

    >>> lab.metric("AWS/States", "ExecutionsStarted", {"StateMachineArn": ws.state_machine_arn})
    """
    return {"Label": label or f"{name} ({stat})", "MetricStat": {
        "Metric": {"Namespace": namespace, "MetricName": name,
                   "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()]},
        "Period": period, "Stat": stat}}


def order_metrics(state_machine_arn: str) -> list[dict[str, Any]]:
    """The metrics an orders dashboard shows: executions, the two functions, the API."""
    n = names()
    machine = {"StateMachineArn": state_machine_arn}
    api = {"ApiName": n.api, "Stage": "prod"}
    queries = [metric("AWS/States", m, machine, label=m) for m in
               ("ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed")]
    queries.append(metric("AWS/States", "ExecutionTime", machine, "Average", label="ExecutionTime (avg ms)"))
    for function in (n.user_service, n.inventory_service):
        short = function.removeprefix(f"{n.prefix}-")
        queries += [metric("AWS/Lambda", "Invocations", {"FunctionName": function}, label=f"{short} Invocations"),
                    metric("AWS/Lambda", "Errors", {"FunctionName": function}, label=f"{short} Errors"),
                    metric("AWS/Lambda", "Throttles", {"FunctionName": function}, label=f"{short} Throttles"),
                    metric("AWS/Lambda", "Duration", {"FunctionName": function}, "Average",
                           label=f"{short} Duration (avg ms)")]
    queries += [metric("AWS/ApiGateway", "Count", api, label="API Count"),
                metric("AWS/ApiGateway", "4XXError", api, label="API 4XXError"),
                metric("AWS/ApiGateway", "5XXError", api, label="API 5XXError"),
                metric("AWS/ApiGateway", "Latency", api, "p50", label="API Latency (p50 ms)"),
                metric("AWS/ApiGateway", "Latency", api, "p99", label="API Latency (p99 ms)")]
    return queries


def get_metrics(queries: list[dict[str, Any]], *, minutes: int = 60) -> pd.DataFrame:
    """The queries' values over the last ``minutes``, one column per label, one row per minute
    (minutes with no data are absent from that column).

    >>> lab.get_metrics(lab.order_metrics(ws.state_machine_arn), minutes=30)
    """
    now = dt.datetime.now(dt.UTC)
    request = [{"Id": f"m{i}", **query} for i, query in enumerate(queries)]
    columns: dict[str, pd.Series] = {}
    for page in client("cloudwatch").get_paginator("get_metric_data").paginate(
            MetricDataQueries=request, StartTime=now - dt.timedelta(minutes=minutes),
            EndTime=now + dt.timedelta(minutes=1), ScanBy="TimestampAscending"):
        for result in page["MetricDataResults"]:
            label = queries[int(result["Id"][1:])]["Label"]
            series = pd.Series(result["Values"], index=pd.DatetimeIndex(result["Timestamps"]).tz_convert("UTC"),
                               dtype="float64")
            columns[label] = pd.concat([columns[label], series]) if label in columns else series
    frame = pd.DataFrame({label: columns.get(label, pd.Series(dtype="float64")) for label in
                          (q["Label"] for q in queries)})
    return frame.sort_index().rename_axis("minute (UTC)")


def dashboard_body(state_machine_arn: str) -> dict[str, Any]:
    """A CloudWatch dashboard of the order workflow: executions, Lambda, the API (JSON body)."""
    n = names()
    region = settings().region
    machine = ["StateMachineArn", state_machine_arn]
    api = ["ApiName", n.api, "Stage", "prod"]

    def widget(x: int, y: int, title: str, metrics: list[list[Any]], stat: str = "Sum") -> dict[str, Any]:
        return {"type": "metric", "x": x, "y": y, "width": 12, "height": 6, "properties": {
            "title": title, "metrics": metrics, "period": 60, "stat": stat, "region": region, "view": "timeSeries"}}

    return {"widgets": [
        widget(0, 0, "Executions", [["AWS/States", m, *machine] for m in
                                    ("ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed")]),
        widget(12, 0, "Execution time (ms)", [["AWS/States", "ExecutionTime", *machine]], "Average"),
        widget(0, 6, "Lambda invocations, errors, throttles",
               [["AWS/Lambda", m, "FunctionName", f] for f in (n.user_service, n.inventory_service)
                for m in ("Invocations", "Errors", "Throttles")]),
        widget(12, 6, "API requests and errors",
               [["AWS/ApiGateway", m, *api] for m in ("Count", "4XXError", "5XXError")]),
    ]}


def ensure_dashboard(name: str, body: dict[str, Any]) -> str:
    """Create or replace a dashboard; return its ARN (PutDashboard is create-or-update)."""
    cw = client("cloudwatch")
    cw.put_dashboard(DashboardName=name, DashboardBody=json.dumps(body))
    return next(d["DashboardArn"] for d in cw.list_dashboards(DashboardNamePrefix=name)["DashboardEntries"]
                if d["DashboardName"] == name)


def ensure_alarm_inbox(topic_name: str, queue_name: str) -> dict[str, str]:
    """An SNS topic for alarm actions, and an SQS queue subscribed to it that the notebook reads.
    The queue's policy lets only that topic send to it (SNS cannot deliver without it on AWS).

    >>> inbox = lab.ensure_alarm_inbox("apicomp-alarms", "apicomp-alarm-inbox")
    """
    sns, sqs = client("sns"), client("sqs")
    topic_arn = sns.create_topic(Name=topic_name, Tags=[{"Key": k, "Value": v} for k, v in tags().items()])["TopicArn"]
    queue_url = sqs.create_queue(QueueName=queue_name, tags=tags())["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
        "Resource": queue_arn, "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}}}]}
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})
    subscribed = any(s["Endpoint"] == queue_arn for s in
                     sns.list_subscriptions_by_topic(TopicArn=topic_arn).get("Subscriptions", []))
    if not subscribed:  # Subscribe is idempotent on AWS, but moto would add a second subscription
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn,
                      Attributes={"RawMessageDelivery": "true"})
    return {"topic_arn": topic_arn, "queue_url": queue_url, "queue_arn": queue_arn}


def wait_for_alarm(alarm_name: str, state: str = "ALARM", *, timeout: float | None = None) -> dict[str, Any]:
    """Poll DescribeAlarms until the alarm is in ``state`` (bounded: AWS evaluates once a minute,
    so allow several minutes there); return the alarm."""
    if timeout is None:
        timeout = 600.0 if settings().backend == "aws" else 60.0
    cw = client("cloudwatch")
    deadline = time.monotonic() + timeout
    while True:
        alarm = cw.describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"][0]
        if alarm["StateValue"] == state or time.monotonic() > deadline:
            if alarm["StateValue"] != state:
                raise TimeoutError(f"{alarm_name} is {alarm['StateValue']}, not {state}, after {timeout:.0f} s")
            return alarm
        time.sleep(1.0)


def read_alarm_notifications(queue_url: str, *, wait_seconds: int = 5) -> list[dict[str, Any]]:
    """Receive and delete the alarm notifications waiting in the queue (the JSON CloudWatch sent)."""
    sqs = client("sqs")
    found = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                       WaitTimeSeconds=wait_seconds if not found else 0).get("Messages", [])
        if not messages:
            return found
        for message in messages:
            try:
                found.append(json.loads(message["Body"]))
            except ValueError:
                found.append({"raw": message["Body"]})
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])

