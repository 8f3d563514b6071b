"""Unit tests of the stock service, on moto's in-process DynamoDB (transactions included)."""
from __future__ import annotations

from decimal import Decimal

import boto3
import pytest
from moto import mock_aws

from lambdas.stock_service import handler


@pytest.fixture
def tables(monkeypatch):
    for name, value in {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test",
                        "AWS_SECRET_ACCESS_KEY": "test", "PRODUCTS_TABLE": "test-products",
                        "RESERVATIONS_TABLE": "test-reservations"}.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL", "FAULT_KIND"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(handler, "_client", None)
    with mock_aws():
        db = boto3.resource("dynamodb")
        made = {}
        for table, key in (("test-products", "productId"), ("test-reservations", "orderId")):
            made[key] = db.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                                        KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
                                        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}])
        made["productId"].put_item(Item={"productId": "prod-1", "price": Decimal("29.99"), "stock": 10})
        made["productId"].put_item(Item={"productId": "prod-2", "price": Decimal("15.50"), "stock": 1})
        yield made["productId"], made["orderId"]


def stock(products, product="prod-1") -> int:
    return int(products.get_item(Key={"productId": product})["Item"]["stock"])


def call(action, order_id, items=None):
    return handler.lambda_handler({"action": action, "orderId": order_id, "items": items}, None)


def test_reserve_takes_stock_once(tables):
    products, reservations = tables
    assert call("reserve", "o-1", [{"productId": "prod-1", "quantity": 3}])["replayed"] is False
    assert call("reserve", "o-1", [{"productId": "prod-1", "quantity": 3}])["replayed"] is True
    assert stock(products) == 7
    assert reservations.get_item(Key={"orderId": "o-1"})["Item"]["status"] == "reserved"


def test_all_or_nothing(tables):
    products, reservations = tables
    with pytest.raises(handler.OutOfStock, match="prod-2"):
        call("reserve", "o-2", [{"productId": "prod-1", "quantity": 2}, {"productId": "prod-2", "quantity": 2}])
    assert stock(products) == 10 and stock(products, "prod-2") == 1
    assert "Item" not in reservations.get_item(Key={"orderId": "o-2"})


def test_same_product_twice_is_summed(tables):
    products, _ = tables
    with pytest.raises(handler.OutOfStock):
        call("reserve", "o-3", [{"productId": "prod-2", "quantity": 1}, {"productId": "prod-2", "quantity": 1}])
    call("reserve", "o-4", [{"productId": "prod-1", "quantity": 1}, {"productId": "prod-1", "quantity": 2}])
    assert stock(products) == 7


def test_unknown_product_is_out_of_stock(tables):
    with pytest.raises(handler.OutOfStock, match="nope"):
        call("reserve", "o-5", [{"productId": "nope", "quantity": 1}])


def test_release_gives_back_exactly_once(tables):
    products, reservations = tables
    call("reserve", "o-1", [{"productId": "prod-1", "quantity": 4}])
    assert call("release", "o-1")["changed"] is True
    assert call("release", "o-1")["changed"] is False  # a retried compensation
    assert call("release", "o-1")["status"] == "released"
    assert stock(products) == 10


def test_release_first_blocks_a_late_reserve(tables):
    products, _ = tables
    assert call("release", "o-9")["note"] == "nothing was reserved"
    with pytest.raises(handler.ReservationReleased):
        call("reserve", "o-9", [{"productId": "prod-1", "quantity": 1}])
    assert stock(products) == 10


@pytest.mark.parametrize("items", [None, [], [{"productId": "prod-1", "quantity": 0}],
                                   [{"productId": "prod-1", "quantity": "1"}], [{"quantity": 1}],
                                   [{"productId": f"p{i}", "quantity": 1} for i in range(26)]])
def test_bad_items_take_nothing(tables, items):
    products, _ = tables
    with pytest.raises(handler.InvalidReservation):
        call("reserve", "o-bad", items)
    assert stock(products) == 10
