"""Notification service: publishes an order's status change to an EventBridge bus.

Rules on the bus decide who hears about it (the workshop routes them to an SQS queue). Delivery
is at least once, so each event carries an ``eventId`` (orderId + status) a consumer can use to
drop duplicates.

Event: ``{"orderId", "status", "reason"?}``. Bus name in ``EVENT_BUS``.
"""
from __future__ import annotations

import json
import os
from typing import Any

import boto3

from faults import run_with_faults
from records import now_iso

SOURCE = "workshop.orders"
DETAIL_TYPE = "OrderStatusChanged"
_events = None


class NotificationFailed(Exception):
    """EventBridge did not accept the event."""


def events_client():
    global _events
    if _events is None:
        _events = boto3.client("events")
    return _events


def publish(event: dict[str, Any]) -> dict[str, Any]:
    detail = {"eventId": f"{event['orderId']}-{event['status']}", "orderId": event["orderId"],
              "status": event["status"], "at": now_iso()}
    if event.get("reason"):
        detail["reason"] = str(event["reason"])
    answer = events_client().put_events(Entries=[{
        "Source": SOURCE, "DetailType": DETAIL_TYPE, "Detail": json.dumps(detail),
        "EventBusName": os.environ["EVENT_BUS"]}])
    if answer.get("FailedEntryCount"):
        raise NotificationFailed(json.dumps(answer["Entries"]))
    return {"eventId": detail["eventId"], "published": True}


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if not isinstance(event, dict) or not isinstance(event.get("orderId"), str) or not event.get("status"):
        raise ValueError("expected an orderId and a status")
    return run_with_faults(lambda: publish(event), "publish")
