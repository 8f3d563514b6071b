"""Unit tests of the user service handler (no sandbox needed)."""
from __future__ import annotations

import json

import pytest

from lambdas.user_service.handler import lambda_handler


def test_valid_user_is_structured_data():
    result = lambda_handler({"userId": "validuser456"}, None)
    assert result["valid"] is True
    assert result["userId"] == "validuser456"
    assert result["email"] == "validuser456@example.com"
    assert 1000 <= result["creditLimit"] <= 5000
    # Structured, so the workflow can use BooleanEquals on $.Payload.valid.
    assert "body" not in result


def test_credit_limit_is_deterministic():
    first = lambda_handler({"userId": "user456"}, None)["creditLimit"]
    assert all(lambda_handler({"userId": "user456"}, None)["creditLimit"] == first for _ in range(5))


@pytest.mark.parametrize("user_id", ["xx", "", None, 42, "bad user", "o'brien", "x" * 65])
def test_invalid_users(user_id):
    result = lambda_handler({"userId": user_id}, None)
    assert result["valid"] is False
    assert "reason" in result


def test_missing_user_id():
    assert lambda_handler({}, None)["valid"] is False


def test_recipe_string_match_would_never_have_matched():
    # Why the recipe's Choice rejected every order: json.dumps puts a space after the colon.
    body = json.dumps(lambda_handler({"userId": "validuser456"}, None))
    assert '"valid":true' not in body and '"valid": true' in body
