"""The order saga end to end on a sandbox: real services, real transactions, injected faults.

Retry delays run at 1/100 of their time here (conftest), so a retried call costs milliseconds.
Concurrency stays at 8 clients: the sandbox throttles a function past 10 concurrent invocations.
"""
from __future__ import annotations

import datetime
import time
import uuid

import pytest

import lab_helpers as lab

PREFIX = "saga"
ITEMS = [{"productId": "prod-1", "quantity": 2}]


@pytest.fixture(scope="module")
def saga(lab_env):
    return lab.ensure_workshop(upto=7).saga


@pytest.fixture(autouse=True)
def no_faults(saga):
    """Each test starts with healthy services and a closed circuit."""
    lab.clear_faults()
    lab.reset_circuit()


def order(items=None, **extra) -> dict:
    return {"orderId": f"t-{uuid.uuid4().hex[:12]}", "userId": "validuser456", "items": items or ITEMS, **extra}


def run(saga, *orders, concurrency: int = 8):
    return lab.place_orders(saga.state_machine_arn, list(orders), concurrency=concurrency)


def ledger_row(order_id: str) -> dict:
    return lab.order_ledger([order_id]).iloc[0].to_dict()


def test_a_good_order_takes_stock_charges_ships_and_notifies(saga):
    lab.read_notifications(saga.queue_url, wait_seconds=0)  # drain earlier events
    before = lab.stock_levels()["prod-1"]
    placed = order()
    result = run(saga, placed).iloc[0]
    assert (result["outcome"], result["execution"]) == ("completed", "SUCCEEDED")
    assert lab.stock_levels()["prod-1"] == before - 2
    row = ledger_row(placed["orderId"])
    assert (row["order"], row["payment"], row["stock"], row["units"], row["shipment"]) == \
        ("completed", "captured", "reserved", 2, "created")
    assert row["audit"] == "order_completed"
    events = lab.read_notifications(saga.queue_url)
    mine = events[events["orderId"] == placed["orderId"]]
    assert sorted(mine["status"]) == ["completed", "confirmed"]


def test_a_declined_card_is_compensated_and_the_stock_comes_back(saga):
    before = lab.stock_levels()["prod-1"]
    placed = order(card=lab.DECLINED_CARD)
    result = run(saga, placed).iloc[0]
    assert (result["outcome"], result["reason"]) == ("compensated", "PaymentDeclined")
    assert lab.stock_levels()["prod-1"] == before
    row = ledger_row(placed["orderId"])
    assert (row["order"], row["payment"], row["stock"], row["shipment"]) == \
        ("compensated", "declined", "released", None)


def test_a_shipping_outage_undoes_everything_in_reverse(saga):
    lab.inject_fault("shipping", rate=1.0, kind="error", actions=["create"])
    before = lab.stock_levels()["prod-1"]
    placed = order()
    result = run(saga, placed).iloc[0]
    assert (result["outcome"], result["reason"]) == ("compensated", "ServiceUnavailable")
    row = ledger_row(placed["orderId"])
    assert (row["payment"], row["stock"], row["shipment"]) == ("refunded", "released", "cancelled")
    assert lab.stock_levels()["prod-1"] == before
    history = lab.execution_history_table(result["executionArn"])
    compensations = [s for s in history[history["type"] == "TaskStateEntered"]["step"]
                     if s in ("CancelShipment", "RefundPayment", "ReleaseStock")]
    assert compensations == ["CancelShipment", "RefundPayment", "ReleaseStock"]


def test_transient_faults_are_absorbed_by_retries(saga):
    lab.inject_fault("payment", every=2, kind="throttle")  # every 2nd call of a worker
    lab.inject_fault("stock", every=2, kind="error")
    # One order at a time: a failed call leaves its worker due to succeed, so the retry passes.
    # With orders side by side the other order's calls land on the same workers between one
    # order's retries, and one order can draw every failing call and run out of retries (as it
    # can on AWS, where which environment takes a call is not ours to choose).
    results = run(saga, *[order() for _ in range(6)], concurrency=1)
    assert set(results["outcome"]) == {"completed"}
    timeline = lab.retry_timeline(results["executionArn"].iloc[-1])
    assert set(timeline["outcome"]) <= {"succeeded", "failed"}


def test_compensations_are_idempotent(saga):
    n = lab.names()
    placed = order()
    assert run(saga, placed).iloc[0]["outcome"] == "completed"
    before = lab.stock_levels()["prod-1"]
    for _ in range(3):  # a compensation retried three times acts once
        lab.invoke(n.service("shipping"), {"action": "cancel", "orderId": placed["orderId"]})
        lab.invoke(n.service("payment"), {"action": "refund", "orderId": placed["orderId"]})
        lab.invoke(n.service("stock"), {"action": "release", "orderId": placed["orderId"]})
    assert lab.stock_levels()["prod-1"] == before + 2
    row = ledger_row(placed["orderId"])
    assert (row["payment"], row["stock"], row["shipment"]) == ("refunded", "released", "cancelled")
    # and a retried reserve or charge for that order can no longer act
    with pytest.raises(RuntimeError, match="ReservationReleased"):
        lab.invoke(n.service("stock"), {"action": "reserve", "orderId": placed["orderId"], "items": ITEMS})
    with pytest.raises(RuntimeError, match="PaymentDeclined"):
        lab.invoke(n.service("payment"), {"action": "charge", "orderId": placed["orderId"], "amount": "59.98"})
    assert lab.stock_levels()["prod-1"] == before + 2


def test_twenty_orders_for_the_last_five_units(saga):
    lab.restock({"prod-last": 5})
    results = run(saga, *[order([{"productId": "prod-last", "quantity": 1}]) for _ in range(20)])
    counts = results["outcome"].value_counts().to_dict()
    assert counts.get("completed") == 5 and counts.get("rejected") == 15, counts
    assert set(results[results["outcome"] == "rejected"]["reason"]) == {"insufficient stock"}
    assert lab.stock_levels(["prod-last"]) == {"prod-last": 0}
    ledger = lab.order_ledger(results["orderId"].tolist())
    assert (ledger["stock"] == "reserved").sum() == 5 and (ledger["payment"] == "captured").sum() == 5


def test_a_payment_outage_fails_at_the_refund_and_redrive_finishes_the_compensation(saga):
    lab.inject_fault("payment", rate=1.0, kind="error")  # charge and refund both down
    before = lab.stock_levels()["prod-1"]
    placed = order()
    result = run(saga, placed).iloc[0]
    assert result["execution"] == "FAILED"
    assert lab.stock_levels()["prod-1"] == before - 2  # stuck: stock still taken
    lab.clear_faults("payment")
    sfn = lab.client("stepfunctions")
    sfn.redrive_execution(executionArn=result["executionArn"])
    done = lab.wait_for_execution(result["executionArn"])
    assert done["status"] == "SUCCEEDED" and done["output"]["status"] == "compensated"
    assert done["redriveCount"] == 1
    assert lab.stock_levels()["prod-1"] == before
    row = ledger_row(placed["orderId"])
    assert (row["order"], row["payment"], row["stock"]) == ("compensated", "voided", "released")


def clock(seconds: float) -> dict:
    start = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC)
    return {"now": (start + datetime.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")}


def test_the_circuit_opens_fails_fast_and_closes_after_a_good_trial(saga):
    lab.inject_fault("payment", rate=1.0, kind="error", actions=["charge"])
    first = run(saga, *[order(clock=clock(t)) for t in (0, 1, 2)], concurrency=1)
    assert set(first["reason"]) == {"ServiceUnavailable"}
    assert lab.circuit()["state"] == "open" and lab.circuit()["openUntil"] == clock(22)["now"]

    fast = order(clock=clock(5))
    result = run(saga, fast).iloc[0]
    assert (result["outcome"], result["reason"]) == ("compensated", "CircuitOpen")
    assert ledger_row(fast["orderId"])["payment"] is None  # the payment service was not called
    assert ledger_row(fast["orderId"])["stock"] == "released"

    lab.clear_faults("payment")
    trial = run(saga, order(clock=clock(30))).iloc[0]  # past the cool-down: half-open, the trial works
    assert trial["outcome"] == "completed"
    assert lab.circuit()["state"] == "closed" and "openUntil" not in lab.circuit()


def test_a_failed_trial_opens_the_circuit_again(saga):
    lab.inject_fault("payment", rate=1.0, kind="error", actions=["charge"])
    run(saga, *[order(clock=clock(t)) for t in (0, 1, 2)], concurrency=1)
    assert lab.circuit()["openUntil"] == clock(22)["now"]
    run(saga, order(clock=clock(40)))  # half-open; the trial fails
    assert lab.circuit()["state"] == "open" and lab.circuit()["openUntil"] == clock(60)["now"]


def test_a_timeout_fault_does_the_work_and_answers_late(saga):
    settings = lab.inject_fault("payment", rate=1.0, kind="timeout", delay_seconds=1)
    assert settings == {"FAULT_KIND": "timeout", "FAULT_RATE": "1.0", "FAULT_DELAY_SECONDS": "1"}
    order_id = f"t-{uuid.uuid4().hex[:12]}"
    started = time.monotonic()
    answer = lab.invoke(lab.names().service("payment"), {"action": "charge", "orderId": order_id, "amount": "9.99"})
    assert time.monotonic() - started >= 1.0  # late...
    assert answer["status"] == "captured" and ledger_row(order_id)["payment"] == "captured"  # ...but done


def test_fault_settings_are_checked(saga):
    with pytest.raises(ValueError, match="kind"):
        lab.inject_fault("payment", kind="explode")
    with pytest.raises(ValueError, match="service"):
        lab.inject_fault("billing")
    with pytest.raises(ValueError, match="rate"):
        lab.inject_fault("payment", rate=2)
    assert lab.fault_settings()["payment"] == {}


def test_cleanup_removes_the_saga_too(saga):
    deleted = lab.delete_everything()
    assert "state machine saga-order-saga" in deleted and "function saga-payment-service" in deleted
    assert {"table saga-payments", "event bus saga-orders-bus", "queue saga-order-notifications",
            "role saga-saga-lambda-role"} <= set(deleted)
    assert [d for d in lab.delete_everything() if not d.startswith("execution")] == []
