"""Unit tests of the notification service: events reach a rule's SQS target (moto, in process)."""
from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from lambdas.notification_service import handler


@pytest.fixture
def queue(monkeypatch):
    for name, value in {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test",
                        "AWS_SECRET_ACCESS_KEY": "test", "EVENT_BUS": "test-bus"}.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL", "FAULT_KIND"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(handler, "_events", None)
    with mock_aws():
        events, sqs = boto3.client("events"), boto3.client("sqs")
        events.create_event_bus(Name="test-bus")
        url = sqs.create_queue(QueueName="test-q")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name="all", EventBusName="test-bus", EventPattern=json.dumps({"source": [handler.SOURCE]}))
        events.put_targets(Rule="all", EventBusName="test-bus", Targets=[{"Id": "q", "Arn": arn}])
        yield sqs, url


def test_status_event_is_delivered(queue):
    sqs, url = queue
    assert handler.lambda_handler({"orderId": "o-1", "status": "completed"}, None) == {
        "eventId": "o-1-completed", "published": True}
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    event = json.loads(messages[0]["Body"])
    assert event["detail-type"] == handler.DETAIL_TYPE
    assert event["detail"]["orderId"] == "o-1" and event["detail"]["status"] == "completed"


def test_missing_status_is_refused(queue):
    with pytest.raises(ValueError):
        handler.lambda_handler({"orderId": "o-1"}, None)
