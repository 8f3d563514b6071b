"""Unit tests of the products service handler, on a stand-in table (no sandbox needed)."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from lambdas.products_service import handler

ITEMS = [{"productId": "prod-2", "name": "Milk frother", "price": Decimal("15.5"), "stock": Decimal(25)},
         {"productId": "prod-1", "name": "Espresso beans 1 kg", "price": Decimal("29.99"), "stock": Decimal(100)}]


class Table:
    def scan(self, **_):
        return {"Items": ITEMS}

    def get_item(self, Key):
        return {"Item": next(i for i in ITEMS if i["productId"] == Key["productId"])} if Key["productId"] in {
            i["productId"] for i in ITEMS} else {}


@pytest.fixture(autouse=True)
def table(monkeypatch):
    monkeypatch.setattr(handler, "_table", Table())


def test_the_list_is_a_proxy_answer_with_a_string_body():
    answer = handler.lambda_handler({"httpMethod": "GET", "pathParameters": None}, None)
    assert answer["statusCode"] == 200 and isinstance(answer["body"], str)
    body = json.loads(answer["body"])
    assert [p["productId"] for p in body["products"]] == ["prod-1", "prod-2"] and body["count"] == 2
    assert body["products"][1]["price"] == "15.50" and body["products"][1]["stock"] == 25


def test_one_product_and_an_unknown_one():
    assert json.loads(handler.lambda_handler({"httpMethod": "GET", "pathParameters": {"productId": "prod-1"}},
                                             None)["body"])["name"] == "Espresso beans 1 kg"
    missing = handler.lambda_handler({"httpMethod": "GET", "pathParameters": {"productId": "nope"}}, None)
    assert missing["statusCode"] == 404


def test_other_methods_are_refused():
    assert handler.lambda_handler({"httpMethod": "DELETE"}, None)["statusCode"] == 405


def test_the_http_api_event_format_2_0_is_served_too():
    event = {"version": "2.0", "requestContext": {"http": {"method": "GET"}}, "pathParameters": {"productId": "prod-2"}}
    assert json.loads(handler.lambda_handler(event, None)["body"])["price"] == "15.50"
