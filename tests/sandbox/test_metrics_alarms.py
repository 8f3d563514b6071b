"""CloudWatch on the sandbox: the services' metrics agree with what ran; alarms change state and notify."""
from __future__ import annotations

import datetime as dt
import json
import time
from types import SimpleNamespace

import pytest

import lab_helpers as lab
from aws_sandbox import alarms, metrics

PREFIX = "mtest"


def order(order_id: str, user_id: str = "validuser456") -> dict:
    return {"orderId": order_id, "userId": user_id, "items": [{"productId": "prod-1", "quantity": 1}]}


def total(cw, namespace: str, metric: str, dimensions: dict[str, str], stat: str = "Sum") -> float:
    """One statistic over the last hour, summed over its 1-minute periods."""
    now = dt.datetime.now(dt.UTC)
    answer = cw.get_metric_data(
        StartTime=now - dt.timedelta(hours=1), EndTime=now + dt.timedelta(minutes=1),
        MetricDataQueries=[{"Id": "m", "MetricStat": {"Period": 60, "Stat": stat, "Metric": {
            "Namespace": namespace, "MetricName": metric,
            "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()]}}}])
    result = answer["MetricDataResults"][0]
    assert all(t.second == 0 for t in result["Timestamps"])  # 1-minute periods, on the minute
    return sum(result["Values"]) if stat in ("Sum", "SampleCount") else max(result["Values"], default=0.0)


def test_percentiles_interpolate_between_ranks(monkeypatch):
    monkeypatch.setattr(metrics, "_clock", lambda: START + 5)
    dims = (("FunctionName", "percentiles"),)
    for value in range(1, 102):  # 1..101 ms
        metrics.record("000000000002", "eu-west-1", "AWS/Lambda", "Duration", dims, float(value), "Milliseconds")
    assert metrics.percentile("000000000002", "eu-west-1", "AWS/Lambda", "Duration", dims,
                              START, START + 60, 50) == 51.0
    assert metrics.percentile("000000000002", "eu-west-1", "AWS/Lambda", "Duration", dims,
                              START, START + 60, 99) == pytest.approx(100.0)
    assert metrics.percentile("000000000002", "eu-west-1", "AWS/Lambda", "Duration", dims,
                              START + 60, START + 120, 99) is None


@pytest.fixture(scope="module")
def ran(lab_env):
    """Orders of every outcome through the API: completed, rejected, refused by the validator."""
    ws = lab.ensure_workshop(upto=5)
    posts = [lab.post_json(f"{ws.api_url}/orders", order(f"m-ok-{i}")) for i in range(4)]
    posts.append(lab.post_json(f"{ws.api_url}/orders", order("m-rejected", user_id="xx")))
    posts.append(lab.post_json(f"{ws.api_url}/orders", {"orderId": "m-malformed"}))  # 400, starts nothing
    for answer in posts:
        if answer.status == 200:
            lab.wait_for_execution(answer.body["executionArn"])
    return ws, posts


def test_metric_sums_agree_with_what_ran(ran):
    ws, posts = ran
    cw = lab.client("cloudwatch")
    machine = {"StateMachineArn": ws.state_machine_arn}
    listed = lab.client("stepfunctions").list_executions(stateMachineArn=ws.state_machine_arn)["executions"]
    assert len(listed) == 5
    # Counted as AWS counts them: published when each execution starts and ends.
    deadline = time.monotonic() + 30
    while total(cw, "AWS/States", "ExecutionsSucceeded", machine) < 5 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert total(cw, "AWS/States", "ExecutionsStarted", machine) == len(listed)
    assert total(cw, "AWS/States", "ExecutionsSucceeded", machine) == 5
    assert total(cw, "AWS/States", "ExecutionsFailed", machine) == 0
    assert total(cw, "AWS/States", "ExecutionTime", machine, "SampleCount") == 5
    assert total(cw, "AWS/States", "ExecutionTime", machine, "Maximum") > 0
    # Every execution validates its user once; only the four valid ones check the inventory.
    assert total(cw, "AWS/Lambda", "Invocations", {"FunctionName": f"{PREFIX}-user-service"}) == 5
    assert total(cw, "AWS/Lambda", "Invocations", {"FunctionName": f"{PREFIX}-inventory-service"}) == 4
    assert total(cw, "AWS/Lambda", "Errors", {"FunctionName": f"{PREFIX}-user-service"}) == 0
    assert total(cw, "AWS/Lambda", "Duration", {"FunctionName": f"{PREFIX}-user-service"}, "Maximum") > 0
    assert total(cw, "AWS/Lambda", "ConcurrentExecutions", {"FunctionName": f"{PREFIX}-user-service"},
                 "Maximum") >= 1
    api = {"ApiName": f"{PREFIX}-orders-api", "Stage": "prod"}
    assert total(cw, "AWS/ApiGateway", "Count", api) == len(posts)
    assert total(cw, "AWS/ApiGateway", "4XXError", api) == sum(1 for p in posts if 400 <= p.status < 500) == 1
    assert total(cw, "AWS/ApiGateway", "5XXError", api) == 0
    assert total(cw, "AWS/ApiGateway", "IntegrationLatency", api, "SampleCount") == 5  # not for the 400
    p50 = total(cw, "AWS/ApiGateway", "Latency", {"Stage": "prod", "ApiName": f"{PREFIX}-orders-api"}, "p50")
    p99 = total(cw, "AWS/ApiGateway", "Latency", api, "p99")
    assert 0 < p50 <= p99 <= total(cw, "AWS/ApiGateway", "Latency", api, "Maximum")
    names = {m["MetricName"] for m in cw.list_metrics(Namespace="AWS/ApiGateway")["Metrics"]}
    assert {"Count", "4XXError", "5XXError", "Latency", "IntegrationLatency"} <= names


def test_a_dashboard_is_stored_as_given(ran):
    cw = lab.client("cloudwatch")
    body = {"widgets": [{"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6, "properties": {
        "metrics": [["AWS/States", "ExecutionsStarted", "StateMachineArn", ran[0].state_machine_arn]],
        "period": 60, "stat": "Sum", "region": "us-east-1"}}]}
    cw.put_dashboard(DashboardName=f"{PREFIX}-orders", DashboardBody=json.dumps(body))
    assert json.loads(cw.get_dashboard(DashboardName=f"{PREFIX}-orders")["DashboardBody"]) == body


def test_an_alarm_fires_and_its_notification_reaches_a_queue(ran):
    ws, _ = ran
    cw, sns, sqs = lab.client("cloudwatch"), lab.client("sns"), lab.client("sqs")
    topic = sns.create_topic(Name=f"{PREFIX}-alarms")["TopicArn"]
    queue = sqs.create_queue(QueueName=f"{PREFIX}-alarm-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    cw.put_metric_alarm(
        AlarmName=f"{PREFIX}-rejected-requests", Namespace="AWS/ApiGateway", MetricName="4XXError",
        Dimensions=[{"Name": "ApiName", "Value": f"{PREFIX}-orders-api"}, {"Name": "Stage", "Value": "prod"}],
        Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=3,
        ComparisonOperator="GreaterThanOrEqualToThreshold", AlarmActions=[topic])
    assert cw.describe_alarms(AlarmNames=[f"{PREFIX}-rejected-requests"])["MetricAlarms"][0][
        "StateValue"] == "INSUFFICIENT_DATA"  # as on AWS, before the first evaluation
    for i in range(3):
        assert lab.post_json(f"{ws.api_url}/orders", {"orderId": f"m-bad-{i}"}).status == 400
    deadline = time.monotonic() + 60  # evaluated every few seconds
    while time.monotonic() < deadline:
        alarm = cw.describe_alarms(AlarmNames=[f"{PREFIX}-rejected-requests"])["MetricAlarms"][0]
        if alarm["StateValue"] == "ALARM":
            break
        time.sleep(0.5)
    assert alarm["StateValue"] == "ALARM", alarm
    assert alarm["StateReason"].startswith("Threshold Crossed: 1 out of the last 1 datapoints")
    messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=5, MaxNumberOfMessages=10).get("Messages", [])
    notice = json.loads(messages[0]["Body"])
    assert notice["AlarmName"] == f"{PREFIX}-rejected-requests" and notice["NewStateValue"] == "ALARM"
    assert notice["Trigger"]["MetricName"] == "4XXError" and notice["Trigger"]["Threshold"] == 3.0


# --- the evaluation rules, in-process, at chosen times ---------------------------------------------
def alarm(**overrides):
    fields = dict(namespace="Lab", metric_name="Errors", dimensions=[], unit=None, period=60,
                  evaluation_periods=3, datapoints_to_alarm=None, threshold=1.0,
                  comparison_operator="GreaterThanOrEqualToThreshold", statistic="Sum",
                  treat_missing_data=None)
    return SimpleNamespace(**{**fields, **overrides})


def backend_with(values_by_minute: dict[int, float], start: int):
    datums = [SimpleNamespace(namespace="Lab", name="Errors", dimensions=[], unit=None,
                              timestamp=dt.datetime.fromtimestamp(start + 60 * m, dt.UTC),
                              sum=v, sample_count=1.0, min=v, max=v)
              for m, v in values_by_minute.items()]
    return SimpleNamespace(get_all_metrics=lambda: datums)


START = 1_800_000_000 // 60 * 60


@pytest.mark.parametrize("values, overrides, state", [
    ({0: 1, 1: 1, 2: 1}, {}, "ALARM"),                            # 3 of 3 breaching
    ({0: 1, 1: 0, 2: 1}, {}, "OK"),                               # 2 of 3: not enough
    ({0: 1, 1: 0, 2: 1}, {"datapoints_to_alarm": 2}, "ALARM"),    # M of N: 2 of 3 is enough
    ({}, {}, "INSUFFICIENT_DATA"),                                # no data at all
    ({}, {"treat_missing_data": "breaching"}, "ALARM"),
    ({}, {"treat_missing_data": "notBreaching"}, "OK"),
    ({}, {"treat_missing_data": "ignore"}, None),                 # keeps its state
    ({2: 5}, {"evaluation_periods": 1, "threshold": 5, "comparison_operator": "GreaterThanThreshold"}, "OK"),
])
def test_alarm_state_from_the_last_periods(values, overrides, state):
    now = START + 2 * 60 + 30  # half-way through the third minute: it counts, unfinished
    subject = alarm(**overrides)
    points = alarms.datapoints(backend_with(values, START), subject, now)
    assert len(points) == subject.evaluation_periods
    assert alarms.decide(subject, points)[0] == state


def test_a_breach_in_the_period_that_just_ended_still_counts():
    subject = alarm(evaluation_periods=1)
    late = START + 60 + 1  # one second into the next minute, which has no data yet
    assert alarms.decide(subject, alarms.datapoints(backend_with({0: 3}, START), subject, late))[0] == "ALARM"


def test_periods_outside_the_window_do_not_count():
    now = START + 10 * 60
    points = alarms.datapoints(backend_with({0: 9, 1: 9, 2: 9}, START), alarm(), now)
    assert [value for _, value in points] == [None, None, None]


def test_data_points_are_summed_per_minute(monkeypatch):
    clock = iter([START + 1, START + 59, START + 61]).__next__
    monkeypatch.setattr(metrics, "_clock", clock)
    dims = (("FunctionName", "clocked"),)
    for value in (2.0, 3.0, 7.0):
        metrics.record("000000000001", "eu-west-1", "AWS/Lambda", "Duration", dims, value, "Milliseconds")
    cells = sorted(metrics.cells("000000000001", "eu-west-1"), key=lambda c: c[0][6])
    assert [(key[6] - START, value) for key, value in cells] == [(0, [5.0, 2, 2.0, 3.0]), (60, [7.0, 1, 7.0, 7.0])]
