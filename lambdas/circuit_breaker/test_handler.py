"""Unit tests of the circuit breaker's bookkeeping, with a clock the test moves."""
from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from lambdas.circuit_breaker import handler

T0 = "2026-12-01T10:00:00Z"


def at(seconds: float) -> str:
    return handler.format_time(handler.parse_time(T0) + handler.timedelta(seconds=seconds))


@pytest.fixture
def circuits(monkeypatch):
    for name, value in {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test",
                        "AWS_SECRET_ACCESS_KEY": "test", "CIRCUITS_TABLE": "test-circuits"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setattr(handler, "_table", None)
    with mock_aws():
        yield boto3.resource("dynamodb").create_table(
            TableName="test-circuits", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "service", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "service", "AttributeType": "S"}])


def fail(seconds: float) -> dict:
    return handler.lambda_handler({"service": "payment", "now": at(seconds), "threshold": 3,
                                   "windowSeconds": 30, "cooldownSeconds": 20}, None)


def test_opens_after_threshold_failures_in_window(circuits):
    assert fail(0)["state"] == "closed"
    assert fail(10)["failures"] == 2
    opened = fail(20)
    assert opened["state"] == "open" and opened["openUntil"] == at(40)
    assert circuits.get_item(Key={"service": "payment"})["Item"]["openUntil"] == at(40)


def test_failures_outside_the_window_start_again(circuits):
    fail(0)
    fail(10)
    late = fail(45)
    assert late["state"] == "closed" and late["failures"] == 1 and late["windowStart"] == at(45)


def test_a_failed_trial_while_half_open_reopens(circuits):
    for t in (0, 1, 2):
        fail(t)
    trial = fail(25)  # after the cool-down (open until 22): this call was the trial
    assert trial["state"] == "open" and trial["openUntil"] == at(45)


def test_bad_event(circuits):
    with pytest.raises(ValueError):
        handler.lambda_handler({"service": "payment"}, None)
