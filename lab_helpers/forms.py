"""A small ipywidgets order form for the REST API: fill it in, press the button, see both answers.

The form works the same when clicked and when called: ``form.place()`` is exactly what the
button does, so a notebook can place the default order unattended (nbval, a re-run) and a
learner can then change the fields and press **Place order**. It checks the order against the
API's own model first (``ORDER_MODEL``, with jsonschema) and refuses, with the reason, what the
API would refuse: nothing is silently corrected and sent.
"""
from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
from jsonschema import Draft4Validator

from .apigateway import ORDER_MODEL
from .dynamodb import PRODUCTS
from .httpclient import HttpResult, get, post_json
from .stepfunctions import wait_for_execution

# What a saved notebook shows in place of the form: widget state is not kept in the file.
RELOADED_TEXT = "Order form (widgets are not saved with the notebook: run this cell again to show it)"


@dataclass
class OrderPlaced:
    """The POST /orders answer and, unless the order was refused, the GET …/status answer after it.

    ``problems`` lists why the form refused to send the order (then ``post`` is None).
    """

    post: HttpResult | None
    get: HttpResult | None
    problems: list[str]


def order_problems(order: dict[str, Any]) -> list[str]:
    """Why the API's model would refuse ``order`` (empty when it would accept it).

    >>> lab.order_problems({"orderId": "o-1", "userId": "u1", "items": [{"productId": "prod-1", "quantity": 0}]})
    ['items/0/quantity: 0 is less than the minimum of 1']
    """
    validator = Draft4Validator(ORDER_MODEL)
    return [f"{'/'.join(map(str, error.path)) or 'order'}: {error.message}"
            for error in sorted(validator.iter_errors(order), key=lambda e: list(map(str, e.path)))]


class OrderForm:
    """An order form bound to one API.

    >>> form = lab.OrderForm(api_url, order_id="order-form-1", product="prod-2", quantity=3)
    >>> form                       # shows the form
    >>> form.place().get.body      # what pressing "Place order" does
    {'orderId': 'order-form-1', 'status': 'completed', 'orderTotal': 46.5}
    """

    def __init__(self, api_url: str, *, order_id: str = "order-form-1", user_id: str = "validuser456",
                 product: str = "prod-1", quantity: int = 1) -> None:
        self.api_url = api_url
        self.order_id = widgets.Text(value=order_id, description="orderId")
        self.user_id = widgets.Text(value=user_id, description="userId")
        self.product = widgets.Dropdown(options=[p["productId"] for p in PRODUCTS], value=product,
                                        description="product")
        # A plain IntText: a bounded one would silently turn 0 into 1 and send that.
        self.quantity = widgets.IntText(value=quantity, description="quantity")
        self.button = widgets.Button(description="Place order", button_style="primary")
        self.result = widgets.HTML()
        self.button.on_click(self._clicked)
        self.widget = widgets.VBox([self.order_id, self.user_id, self.product, self.quantity,
                                    self.button, self.result])

    def order(self) -> dict[str, Any]:
        """The request body the form will send."""
        return {"orderId": self.order_id.value, "userId": self.user_id.value,
                "items": [{"productId": self.product.value, "quantity": self.quantity.value}]}

    def place(self) -> OrderPlaced:
        """Check the order against the model; POST it; if a workflow started, wait; GET its status."""
        body = self.order()
        problems = order_problems(body)
        if problems:
            self._show([f"Not sent: the API would refuse {json.dumps(body)}",
                        *(f"  - {problem}" for problem in problems)])
            return OrderPlaced(None, None, problems)
        posted = post_json(f"{self.api_url}/orders", body)
        lines = [f"POST /orders {json.dumps(body)}", f"→ {posted.status} {json.dumps(posted.body)}"]
        status = None
        if posted.status == 200:
            wait_for_execution(posted.body["executionArn"])
        if posted.status in (200, 409):  # 409: placed before, so it has a status to show
            status = get(f"{self.api_url}/orders/{body['orderId']}/status")
            lines.append(f"GET /orders/{body['orderId']}/status → {status.status} {json.dumps(status.body)}")
        self._show(lines)
        return OrderPlaced(posted, status, [])

    def _clicked(self, _button: Any) -> None:
        # An exception in a widget callback goes to a log nobody sees: show it in the form instead.
        try:
            self.place()
        except Exception as error:  # noqa: BLE001 - shown to the user, who can fix the input and retry
            self._show([f"Could not place the order: {type(error).__name__}: {error}"])

    def _show(self, lines: list[str]) -> None:
        self.result.value = "<pre>" + "\n".join(html.escape(line) for line in lines) + "</pre>"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = RELOADED_TEXT
        return bundle
