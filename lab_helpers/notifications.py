"""Order status notifications: an EventBridge bus, a rule, and the SQS queue the rule delivers to."""
from __future__ import annotations

import json
from typing import Any

import pandas as pd
from botocore.exceptions import ClientError

from .backend import client, tags
from .config import names

SOURCE = "workshop.orders"  # what the notification service puts in each event's "source"


def ensure_notifications() -> str:
    """The bus, a queue, and a rule sending every order event from the bus to the queue;
    return the queue's URL. On AWS the queue's policy must let EventBridge send to it.

    >>> queue_url = lab.ensure_notifications()
    """
    n = names()
    events, sqs = client("events"), client("sqs")
    try:
        events.create_event_bus(Name=n.event_bus, Tags=[{"Key": k, "Value": v} for k, v in tags().items()])
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceAlreadyExistsException":
            raise
    queue_url = sqs.create_queue(QueueName=n.notifications_queue, tags=tags())["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule_arn = events.put_rule(Name=n.notifications_rule, EventBusName=n.event_bus, State="ENABLED",
                               EventPattern=json.dumps({"source": [SOURCE]}))["RuleArn"]
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sqs:SendMessage",
            "Resource": queue_arn, "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}}}]})})
    events.put_targets(Rule=n.notifications_rule, EventBusName=n.event_bus,
                       Targets=[{"Id": "notifications-queue", "Arn": queue_arn}])
    return queue_url


def read_notifications(queue_url: str, *, max_messages: int = 1000, wait_seconds: int = 1) -> pd.DataFrame:
    """Receive (and delete) the queue's messages; one row per order event: orderId, status, reason, at.

    >>> lab.read_notifications(saga.queue_url)
    """
    sqs = client("sqs")
    rows: list[dict[str, Any]] = []
    while len(rows) < max_messages:
        answer = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds)
        messages = answer.get("Messages", [])
        if not messages:
            break
        for message in messages:
            event = json.loads(message["Body"])
            detail = event.get("detail", {})
            rows.append({"orderId": detail.get("orderId"), "status": detail.get("status"),
                         "reason": detail.get("reason", ""), "at": detail.get("at"),
                         "detail-type": event.get("detail-type"), "eventId": detail.get("eventId")})
        sqs.delete_message_batch(QueueUrl=queue_url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])
    return pd.DataFrame(rows, columns=["orderId", "status", "reason", "at", "detail-type", "eventId"])
