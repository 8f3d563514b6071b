"""Unit tests of the proxy echo handler (no sandbox needed)."""
from __future__ import annotations

import json

from lambdas.proxy_echo.handler import SHAPES, lambda_handler


def test_it_echoes_the_event_as_a_string_body():
    event = {"httpMethod": "GET", "queryStringParameters": None, "headers": {"Accept": "*/*"}}
    answer = lambda_handler(event, None)
    assert answer["statusCode"] == 200 and json.loads(answer["body"]) == event


def test_each_shape_answers_in_its_own_way():
    for shape in SHAPES:
        answer = lambda_handler({"queryStringParameters": {"shape": shape}}, None)
        assert answer == SHAPES[shape]({})
