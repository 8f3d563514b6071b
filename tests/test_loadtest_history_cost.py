"""Load drivers, execution-history analysis and cost: with fake senders and recorded-shape events
where the logic is the point, and on the sandbox where the join with real executions is."""
from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

import lab_helpers as lab
from matplotlib.colors import to_rgba

from lab_helpers import diagram, pricing

PREFIX = "lhtest"


def instant(order):
    return 200, ""


# --- the drivers ---------------------------------------------------------------------------------
def test_open_loop_sends_on_schedule_one_row_per_request():
    rows = lab.open_loop(instant, rate=50, seconds=0.2, progress=False)
    assert len(rows) == 10 and rows["order_id"].is_unique
    assert list(rows["scheduled_s"].round(3)) == [round(i / 50, 3) for i in range(10)]
    assert (rows["sent_s"] >= rows["scheduled_s"]).all() and (rows["response_ms"] >= rows["service_ms"]).all()
    assert set(rows["status"]) == {200} and rows.attrs["offered_rate"] == 50


def test_open_loop_counts_the_wait_a_closed_loop_would_omit():
    def slow(order):
        time.sleep(0.05)
        return 200, ""

    rows = lab.open_loop(slow, rate=100, seconds=0.2, max_in_flight=1, progress=False)
    last = rows.iloc[-1]
    # one worker, 50 ms a request, one due every 10 ms: the last one waited for the 19 before it
    assert last["response_ms"] - last["service_ms"] >= 19 * 40
    assert rows["service_ms"].max() < rows["response_ms"].max()


def test_closed_loop_users_wait_for_each_answer():
    seen = []
    lock = threading.Lock()

    def record(order):
        with lock:
            seen.append(order["orderId"])
        return (400 if len(seen) % 5 == 0 else 200), ""

    rows = lab.closed_loop(record, users=3, requests_per_user=4, progress=False)
    assert len(rows) == 12 and sorted(rows["order_id"]) == sorted(seen)
    for _, user in rows.groupby("user"):
        user = user.sort_values("sent_s")
        assert (user["sent_s"].iloc[1:].values >= user["done_s"].iloc[:-1].values).all()
    summary = lab.load_summary(rows)
    assert summary["requests"] == 12 and summary["errors"] == 2


@pytest.mark.parametrize("kwargs", [{"users": 0, "seconds": 1}, {"users": 2}, {"users": 2, "seconds": 1,
                                                                              "requests_per_user": 3}])
def test_closed_loop_refuses_unclear_runs(kwargs):
    with pytest.raises(ValueError):
        lab.closed_loop(instant, progress=False, **kwargs)


def test_littles_law_holds_for_the_measured_run():
    def steady(order):
        time.sleep(0.02)
        return 200, ""

    rows = lab.open_loop(steady, rate=40, seconds=0.5, progress=False)
    arrival = len(rows) / rows["done_s"].max()
    predicted = arrival * rows["response_ms"].mean() / 1000
    assert lab.in_flight(rows, step_s=0.001).mean() == pytest.approx(predicted, rel=0.1, abs=0.02)


def test_orders_join_their_executions_on_the_sandbox(lab_env):
    ws = lab.ensure_workshop(upto=5)
    rows = lab.open_loop(lab.http_sender(ws.api_url), rate=5, seconds=1, progress=False)
    joined = lab.join_executions(rows, ws.state_machine_arn)
    assert set(joined["status"]) == {200} and set(joined["execution_status"]) == {"SUCCEEDED"}
    assert (joined["end_to_end_ms"] > 0).all()
    events = lab.history_events(lab.arn("states", f"execution:{PREFIX}-order-workflow:{rows['order_id'][0]}"))
    assert lab.task_calls(events)["lambda:invoke"] == 2
    assert lab.execution_path(events)["OrderCompleted"] == "succeeded"
    assert lab.state_transitions(events) == sum(1 for e in events if e["type"].endswith("StateEntered"))


# --- the history, from events shaped as GetExecutionHistory returns them ---------------------------
T0 = dt.datetime(2026, 11, 30, 12, 0, 0, tzinfo=dt.UTC)


def events(*spec):
    """(ms, type, state name or None) -> events chained by previousEventId, as AWS chains them."""
    out = []
    for i, (ms, kind, name) in enumerate(spec, start=1):
        event = {"id": i, "previousEventId": i - 1, "type": kind, "timestamp": T0 + dt.timedelta(milliseconds=ms)}
        if name and kind.endswith("StateEntered"):
            event["stateEnteredEventDetails"] = {"name": name}
        elif name and kind.endswith("StateExited"):
            event["stateExitedEventDetails"] = {"name": name}
        if kind == "TaskScheduled":
            event["taskScheduledEventDetails"] = {"resourceType": "lambda", "resource": "invoke"}
        out.append(event)
    return out


RETRIED_THEN_CAUGHT = events(
    (0, "ExecutionStarted", None),
    (1, "TaskStateEntered", "Check"), (1, "TaskScheduled", None), (2, "TaskFailed", None),
    (1002, "TaskScheduled", None), (1003, "TaskFailed", None),
    (3003, "TaskScheduled", None), (3004, "TaskFailed", None), (3004, "TaskStateExited", "Check"),
    (3005, "PassStateEntered", "Recover"), (3005, "PassStateExited", "Recover"),
    (3006, "FailStateEntered", "Stop"), (3006, "ExecutionFailed", None))


def test_retries_and_their_waits_are_found():
    spans = lab.state_spans(RETRIED_THEN_CAUGHT).set_index("state")
    assert spans.loc["Check", "attempts"] == 3 and spans.loc["Check", "failed_attempts"] == 3
    assert spans.loc["Check", "retry_wait_ms"] == pytest.approx(1000 + 2000)
    assert spans.loc["Check", "duration_ms"] == pytest.approx(3003)
    assert lab.execution_path(RETRIED_THEN_CAUGHT) == {"Check": "caught", "Recover": "succeeded", "Stop": "failed"}
    assert lab.state_transitions(RETRIED_THEN_CAUGHT) == 3


def test_a_retry_that_succeeds_is_not_caught():
    spans = lab.state_spans(events(
        (0, "ExecutionStarted", None), (0, "TaskStateEntered", "Call"), (0, "TaskScheduled", None),
        (1, "TaskFailed", None), (101, "TaskScheduled", None), (105, "TaskSucceeded", None),
        (105, "TaskStateExited", "Call"), (106, "ExecutionSucceeded", None)))
    assert spans.loc[0, "outcome"] == "succeeded" and spans.loc[0, "attempts"] == 2


def test_the_diagram_colours_the_path():
    definition = {"StartAt": "Check", "States": {
        "Check": {"Type": "Task", "Resource": "x", "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Recover"}],
                  "Next": "Done"},
        "Done": {"Type": "Succeed"}, "Recover": {"Type": "Pass", "Next": "Stop"}, "Stop": {"Type": "Fail"}}}
    figure = lab.draw_workflow(definition, path=lab.execution_path(RETRIED_THEN_CAUGHT))
    boxes = figure.axes[0].patches  # drawn in the same order as their labels
    labels = [t.get_text().split("\n")[0] for t in figure.axes[0].texts if "\n[" in t.get_text()]
    faces = {label: box.get_facecolor() for label, box in zip(labels, boxes, strict=False)}
    assert faces["Check"] == to_rgba(diagram.PATH_COLOURS["caught"])
    assert faces["Stop"] == to_rgba(diagram.PATH_COLOURS["failed"])
    assert faces["Done"] == to_rgba(diagram.NOT_ENTERED)


# --- cost ----------------------------------------------------------------------------------------
def test_billing_steps():
    assert lab.express_gb_seconds(80) == pytest.approx(0.1 * 64 / 1024)   # 100 ms and 64 MB steps
    assert lab.express_gb_seconds(101) == pytest.approx(0.2 * 64 / 1024)
    assert lab.lambda_gb_seconds(10.2, 128) == pytest.approx(0.011 * 128 / 1024)  # rounded up to the ms
    assert lab.cost("Step Functions Standard: state transitions", 12_000) == 0.3


def test_standard_and_express_per_million_orders():
    costs = lab.order_costs(lab.OrderUsage(state_transitions=10, lambda_requests=2, write_units=4,
                                           express_duration_ms=80))
    assert costs.loc["Step Functions Standard: state transitions", "Standard"] == 250.0
    assert costs.loc["Step Functions Express: requests", "Express"] == 1.0
    assert costs.loc["API Gateway REST API: requests"].tolist() == [3.5, 3.5]
    assert costs["Standard"].sum() > costs["Express"].sum()
    assert all(p.source.startswith("https://aws.amazon.com/") for p in pricing.PRICES.values())
