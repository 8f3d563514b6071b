"""Unit tests of the shipping service, on moto's in-process DynamoDB."""
from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from lambdas.shipping_service import handler


@pytest.fixture
def shipments(monkeypatch):
    for name, value in {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test",
                        "AWS_SECRET_ACCESS_KEY": "test", "SHIPMENTS_TABLE": "test-shipments"}.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL", "FAULT_KIND"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(handler, "_table", None)
    with mock_aws():
        yield boto3.resource("dynamodb").create_table(
            TableName="test-shipments", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "orderId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "orderId", "AttributeType": "S"}])


def call(action, order_id="o-1"):
    return handler.lambda_handler({"action": action, "orderId": order_id,
                                   "items": [{"productId": "prod-1", "quantity": 2}]}, None)


def test_create_is_idempotent_and_deterministic(shipments):
    first = call("create")
    assert first == call("create")
    assert first["trackingNumber"] == handler.tracking_number("o-1")
    assert shipments.get_item(Key={"orderId": "o-1"})["Item"]["parcels"] == 2


def test_cancel_once(shipments):
    call("create")
    assert call("cancel") == {"orderId": "o-1", "status": "cancelled", "changed": True}
    assert call("cancel") == {"orderId": "o-1", "status": "cancelled", "changed": False}
    with pytest.raises(handler.ShipmentCancelled):
        call("create")


def test_cancel_before_create_blocks_a_late_create(shipments):
    assert call("cancel", "o-2")["status"] == "cancelled"
    with pytest.raises(handler.ShipmentCancelled):
        call("create", "o-2")


def test_bad_request(shipments):
    with pytest.raises(handler.InvalidShippingRequest):
        handler.lambda_handler({"action": "create"}, None)
