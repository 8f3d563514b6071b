"""Unit tests of the shipping service handler (no sandbox needed)."""
from __future__ import annotations

from lambdas.shipping_quote_service.handler import lambda_handler

ITEMS = [{"productId": "prod-1", "quantity": 2}, {"productId": "prod-2", "quantity": 1}]


def test_a_domestic_order_pays_base_plus_per_item_and_gets_the_total():
    answer = lambda_handler({"country": "DE", "items": ITEMS, "itemsTotal": "45.49"}, None)
    assert answer == {"deliverable": True, "country": "DE", "zone": "domestic", "days": 2,
                      "cost": "6.40", "total": "51.89"}


def test_from_the_threshold_shipping_is_free():
    answer = lambda_handler({"country": "FR", "items": ITEMS, "itemsTotal": "100.00"}, None)
    assert (answer["cost"], answer["total"]) == ("0.00", "100.00")


def test_an_unknown_country_is_a_business_answer_not_an_error():
    answer = lambda_handler({"country": "XX", "items": ITEMS, "itemsTotal": "10.00"}, None)
    assert answer["deliverable"] is False and "'XX'" in answer["reason"]
    assert lambda_handler({}, None)["deliverable"] is False


def test_the_same_input_gives_the_same_estimate():
    event = {"country": "US", "items": ITEMS, "itemsTotal": "12.00"}
    assert all(lambda_handler(event, None) == lambda_handler(event, None) for _ in range(3))
