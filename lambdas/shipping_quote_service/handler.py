"""Shipping-quote service: a delivery estimate for an order to a country, and the quote's total.

Deterministic, from a small rate card: a base rate per zone plus a rate per item; orders whose
items total reaches the free-shipping threshold ship free. Money is computed with ``Decimal``
and returned as strings with two decimals, like the inventory service's prices.

Input: ``{"country": "DE", "items": [{"productId": ..., "quantity": 2}, ...], "itemsTotal": "59.98"}``.
A country outside the rate card is answered ``{"deliverable": false, "reason": ...}``: a business
answer, not an error, so the workflow can turn it into a clear 4xx.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")
FREE_SHIPPING_FROM = Decimal("100.00")
# zone: (base rate, rate per item, delivery days)
ZONES = {"domestic": (Decimal("4.90"), Decimal("0.50"), 2), "eu": (Decimal("9.90"), Decimal("1.00"), 4),
         "world": (Decimal("24.90"), Decimal("2.00"), 9)}
COUNTRY_ZONES = {"DE": "domestic", "AT": "eu", "FR": "eu", "NL": "eu", "IT": "eu", "ES": "eu",
                 "GB": "world", "US": "world", "JP": "world"}


def money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    event = event if isinstance(event, dict) else {}
    country = event.get("country")
    zone = COUNTRY_ZONES.get(country) if isinstance(country, str) else None
    if zone is None:
        return {"deliverable": False, "country": country,
                "reason": f"We do not ship to {country!r}; we ship to {', '.join(sorted(COUNTRY_ZONES))}"}
    try:
        items_total = Decimal(str(event.get("itemsTotal", "0")))
    except InvalidOperation:
        items_total = Decimal(0)
    quantity = sum(item.get("quantity", 0) for item in event.get("items") or []
                   if isinstance(item, dict) and isinstance(item.get("quantity"), int))
    base, per_item, days = ZONES[zone]
    cost = Decimal(0) if items_total >= FREE_SHIPPING_FROM else base + per_item * quantity
    return {"deliverable": True, "country": country, "zone": zone, "days": days,
            "cost": money(cost), "total": money(items_total + cost)}
