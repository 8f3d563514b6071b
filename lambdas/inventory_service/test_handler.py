"""Unit tests of the inventory service handler, on moto's in-process DynamoDB."""
from __future__ import annotations

from decimal import Decimal

import boto3
import pytest
from moto import mock_aws

from lambdas.inventory_service import handler


@pytest.fixture
def products(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("PRODUCTS_TABLE", "test-products")
    monkeypatch.setattr(handler, "_table", None)
    with mock_aws():
        table = boto3.resource("dynamodb").create_table(
            TableName="test-products",
            KeySchema=[{"AttributeName": "productId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "productId", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        table.put_item(Item={"productId": "prod-1", "price": Decimal("29.99"), "stock": 100})
        table.put_item(Item={"productId": "prod-2", "price": Decimal("15.50"), "stock": 3})
        yield table


def test_total_comes_from_prices(products):
    result = handler.lambda_handler({"items": [{"productId": "prod-1", "quantity": 2},
                                               {"productId": "prod-2", "quantity": 1}]}, None)
    assert result["allItemsAvailable"] is True
    assert result["orderTotal"] == "75.48"
    assert result["items"][0] == {"productId": "prod-1", "requested": 2, "available": 100,
                                  "sufficient": True, "unitPrice": "29.99", "lineTotal": "59.98"}


def test_insufficient_stock(products):
    result = handler.lambda_handler({"items": [{"productId": "prod-2", "quantity": 4}]}, None)
    assert result["allItemsAvailable"] is False
    assert result["items"][0]["sufficient"] is False
    assert result["items"][0]["available"] == 3


def test_unknown_product_is_not_sufficient(products):
    result = handler.lambda_handler({"items": [{"productId": "prod-1", "quantity": 1},
                                               {"productId": "nope", "quantity": 1}]}, None)
    assert result["allItemsAvailable"] is False
    assert result["items"][1]["sufficient"] is False
    assert result["items"][1]["reason"] == "unknown product"
    assert result["orderTotal"] == "29.99"


def test_empty_order_is_not_available(products):
    assert handler.lambda_handler({"items": []}, None)["allItemsAvailable"] is False


@pytest.mark.parametrize("quantity", [0, -1, "2", 1.5, True])
def test_bad_quantities_are_not_sufficient(products, quantity):
    result = handler.lambda_handler({"items": [{"productId": "prod-1", "quantity": quantity}]}, None)
    assert result["allItemsAvailable"] is False


def test_deterministic(products):
    event = {"items": [{"productId": "prod-1", "quantity": 2}]}
    assert handler.lambda_handler(event, None) == handler.lambda_handler(event, None)
