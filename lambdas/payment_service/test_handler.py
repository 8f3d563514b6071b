"""Unit tests of the payment service, on moto's in-process DynamoDB."""
from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

import faults
from lambdas.payment_service import handler


@pytest.fixture
def payments(monkeypatch):
    for name, value in {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test",
                        "AWS_SECRET_ACCESS_KEY": "test", "PAYMENTS_TABLE": "test-payments"}.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL", "FAULT_KIND", "FAULT_RATE", "FAULT_EVERY", "FAULT_ACTIONS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(handler, "_table", None)
    with mock_aws():
        yield boto3.resource("dynamodb").create_table(
            TableName="test-payments", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "orderId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "orderId", "AttributeType": "S"}])


def charge(order_id="o-1", amount="59.98", **extra):
    return handler.lambda_handler({"action": "charge", "orderId": order_id, "amount": amount,
                                   "creditLimit": 1000, **extra}, None)


def refund(order_id="o-1"):
    return handler.lambda_handler({"action": "refund", "orderId": order_id}, None)


def test_charge_captures_once(payments):
    assert charge() == {"orderId": "o-1", "status": "captured", "amount": "59.98"}
    assert charge() == {"orderId": "o-1", "status": "captured", "amount": "59.98"}  # a retry: same charge
    assert payments.scan()["Count"] == 1


def test_retry_with_another_amount_is_refused(payments):
    charge()
    with pytest.raises(handler.InvalidPaymentRequest, match="was charged 59.98"):
        charge(amount="10.00")


def test_test_card_and_credit_limit_decline(payments):
    with pytest.raises(handler.PaymentDeclined, match="test card"):
        charge("o-card", card="4000 0000 0000 0002")
    with pytest.raises(handler.PaymentDeclined, match="credit limit"):
        charge("o-big", amount="1000.01")
    with pytest.raises(handler.PaymentDeclined):  # a retried decline stays a decline
        charge("o-card", card="4000 0000 0000 0002")
    assert {i["orderId"]: i["status"] for i in payments.scan()["Items"]} == {"o-card": "declined", "o-big": "declined"}


def test_refund_is_idempotent(payments):
    charge()
    assert refund() == {"orderId": "o-1", "status": "refunded", "changed": True}
    assert refund() == {"orderId": "o-1", "status": "refunded", "changed": False}
    assert payments.get_item(Key={"orderId": "o-1"})["Item"]["status"] == "refunded"


def test_refund_without_charge_voids_and_blocks_a_late_charge(payments):
    assert refund("o-late") == {"orderId": "o-late", "status": "voided", "changed": True}
    with pytest.raises(handler.PaymentDeclined, match="already compensated"):
        charge("o-late")
    assert payments.get_item(Key={"orderId": "o-late"})["Item"]["status"] == "voided"


def test_refund_of_a_decline_changes_nothing(payments):
    with pytest.raises(handler.PaymentDeclined):
        charge("o-d", card="4000000000000002")
    assert refund("o-d") == {"orderId": "o-d", "status": "declined", "changed": False}


@pytest.mark.parametrize("event", [{}, {"action": "charge"}, {"action": "steal", "orderId": "o"},
                                   {"action": "charge", "orderId": "o", "amount": "-1"},
                                   {"action": "charge", "orderId": "o", "amount": "abc"}])
def test_bad_requests(payments, event):
    with pytest.raises(handler.InvalidPaymentRequest):
        handler.lambda_handler(event, None)
    assert payments.scan()["Count"] == 0


def test_injected_error_fails_before_charging(payments, monkeypatch):
    monkeypatch.setattr(faults._State, "calls", 0)
    monkeypatch.setenv("FAULT_KIND", "error")
    monkeypatch.setenv("FAULT_EVERY", "2")
    charge("o-a")
    with pytest.raises(faults.ServiceUnavailable):
        charge("o-b")
    assert payments.scan()["Count"] == 1
    charge("o-b")  # the third call is not the 2nd/4th...: it goes through
    assert payments.scan()["Count"] == 2


def test_injected_timeout_charges_then_answers_late(payments, monkeypatch):
    slept = []
    monkeypatch.setattr(faults.time, "sleep", slept.append)
    monkeypatch.setenv("FAULT_KIND", "timeout")
    monkeypatch.setenv("FAULT_RATE", "1")
    monkeypatch.setenv("FAULT_DELAY_SECONDS", "7")
    assert charge()["status"] == "captured"
    assert slept == [7.0]
    assert payments.get_item(Key={"orderId": "o-1"})["Item"]["status"] == "captured"


def test_seeded_rate_is_repeatable(monkeypatch):
    monkeypatch.setenv("FAULT_KIND", "throttle")
    monkeypatch.setenv("FAULT_RATE", "0.3")
    monkeypatch.setenv("FAULT_SEED", "7")

    def pattern():
        monkeypatch.setattr(faults._State, "rng", None)
        outcomes = []
        for _ in range(40):
            try:
                faults.run_with_faults(lambda: None)
                outcomes.append(True)
            except faults.TooManyRequestsException:
                outcomes.append(False)
        return outcomes

    first = pattern()
    assert first == pattern()
    assert 4 <= first.count(False) <= 20


def test_fault_limited_to_one_action(payments, monkeypatch):
    monkeypatch.setenv("FAULT_KIND", "error")
    monkeypatch.setenv("FAULT_RATE", "1")
    monkeypatch.setenv("FAULT_ACTIONS", "charge")
    with pytest.raises(faults.ServiceUnavailable):
        charge()
    assert refund()["status"] == "voided"  # refunds still work
