"""Small HTTP calls for talking to the REST API the way a client app would."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.structures import CaseInsensitiveDict

TIMEOUT_SECONDS = 30


@dataclass
class HttpResult:
    """What came back: the status code, the parsed JSON body (or the raw text), and headers
    (looked up in any case, as HTTP header names are: ``headers["x-amzn-requestid"]``)."""

    status: int
    body: Any
    headers: CaseInsensitiveDict


def _send(method: str, url: str, **kwargs: Any) -> requests.Response:
    try:
        return requests.request(method, url, timeout=TIMEOUT_SECONDS, **kwargs)
    except requests.ConnectionError:
        from .backend import recover_if_stopped

        parts = urlsplit(url)
        recover_if_stopped(f"{parts.scheme}://{parts.netloc}")  # the kit's sandbox stopped: say what to run
        raise


def _result(response: requests.Response) -> HttpResult:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    return HttpResult(response.status_code, body, CaseInsensitiveDict(response.headers))


def post_json(url: str, body: Any, *, headers: dict[str, str] | None = None) -> HttpResult:
    """POST ``body`` as JSON.

    >>> lab.post_json(f"{api_url}/orders", {"orderId": "order-123", ...}).status
    200
    """
    return _result(_send("POST", url, json=body, headers=headers))


def get(url: str, *, headers: dict[str, str] | None = None) -> HttpResult:
    """GET a URL.

    >>> lab.get(f"{api_url}/orders/order-123/status").body["status"]
    'completed'
    """
    return _result(_send("GET", url, headers=headers))
