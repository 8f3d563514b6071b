"""botocore's service models are loaded once per sandbox process, not once per call.

Loading a model parses a megabyte of JSON (~100 ms of CPU for DynamoDB's). A DynamoDB Task's
validation and TestState's mocked-result check once did it on every call, which made every
order ten times slower; these tests fail if either goes back to a fresh botocore session.
"""
from __future__ import annotations

import botocore.session
import pytest

from aws_sandbox import request_validation, sfn_task_results, sfn_test_state


@pytest.fixture
def no_new_sessions(monkeypatch):
    request_validation.service_model("dynamodb")  # loaded once, as the running sandbox has
    request_validation.service_model("stepfunctions")

    def refuse(*_, **__):
        raise AssertionError("a new botocore session was created for a call")

    monkeypatch.setattr(botocore.session, "get_session", refuse)
    monkeypatch.setattr(botocore.session, "Session", refuse)


def test_dynamodb_task_validation_reuses_the_loaded_model(no_new_sessions):
    assert sfn_task_results.validation_message("putItem", {"TableName": "orders", "Item": {}}) is None
    assert "Member must not be null" in sfn_task_results.validation_message("putItem", {"TableName": "orders"})


def test_test_state_result_shapes_reuse_the_loaded_model(no_new_sessions):
    shape = sfn_test_state._response_shape("arn:aws:states:::dynamodb:putItem")
    assert shape is not None and "Attributes" in shape.members
    assert sfn_test_state._response_shape("arn:aws:states:::states:startExecution.sync:2").name == \
        "DescribeExecutionOutput"
