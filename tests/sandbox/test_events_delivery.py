"""EventBridge rules deliver to SQS targets on the sandbox (moto's own delivery, checked here)."""
from __future__ import annotations

import json
import uuid


def test_a_matching_event_reaches_the_queue_and_others_do_not(aws):
    events, sqs = aws("events"), aws("sqs")
    bus = f"bus-{uuid.uuid4().hex[:8]}"
    events.create_event_bus(Name=bus)
    url = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="orders", EventBusName=bus,
                    EventPattern=json.dumps({"source": ["workshop.orders"], "detail": {"status": ["completed"]}}))
    events.put_targets(Rule="orders", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
    answer = events.put_events(Entries=[
        {"Source": "workshop.orders", "DetailType": "OrderStatusChanged", "EventBusName": bus,
         "Detail": json.dumps({"orderId": "o-1", "status": "completed"})},
        {"Source": "workshop.orders", "DetailType": "OrderStatusChanged", "EventBusName": bus,
         "Detail": json.dumps({"orderId": "o-2", "status": "rejected"})},
        {"Source": "someone.else", "DetailType": "OrderStatusChanged", "EventBusName": bus,
         "Detail": json.dumps({"orderId": "o-3", "status": "completed"})}])
    assert answer["FailedEntryCount"] == 0
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    bodies = [json.loads(m["Body"]) for m in received]
    assert [b["detail"]["orderId"] for b in bodies] == ["o-1"]
    assert bodies[0]["source"] == "workshop.orders" and bodies[0]["detail-type"] == "OrderStatusChanged"
    assert bodies[0]["id"] == answer["Entries"][0]["EventId"]
