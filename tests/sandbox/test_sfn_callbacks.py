"""Wait-for-Callback tasks (aws_sandbox/sfn_callbacks.py): apigateway:invoke.waitForTaskToken to a
MOCK API, then SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat, or nothing (timeouts).

Heartbeat and task timeouts are real seconds (the test time scale only shortens Retry and Wait)."""
from __future__ import annotations

import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from tests.sandbox.test_apigateway_support import RestApi

WAIT_FOR_TOKEN = {
    "StartAt": "Ask",
    "States": {
        "Ask": {
            "Type": "Task", "Resource": "arn:aws:states:::apigateway:invoke.waitForTaskToken",
            "Parameters": {"ApiEndpoint.$": "$.endpoint", "Method": "POST", "Stage": "test", "Path": "ask",
                           "RequestBody": {"token.$": "$$.Task.Token"}},
            "HeartbeatSecondsPath": "$.heartbeat", "TimeoutSecondsPath": "$.timeout",
            "Catch": [{"ErrorEquals": ["Rejected", "States.HeartbeatTimeout", "States.Timeout"],
                       "ResultPath": "$.error", "Next": "Caught"}],
            "End": True,
        },
        "Caught": {"Type": "Pass", "OutputPath": "$.error", "End": True},
    },
}


@pytest.fixture(scope="module")
def machine(aws, sandbox):
    api = RestApi(aws, sandbox)
    api.mock("/ask", "POST")
    api.deploy("test")
    arn = aws("stepfunctions").create_state_machine(
        name=f"callback-{uuid.uuid4().hex[:6]}", definition=json.dumps(WAIT_FOR_TOKEN),
        roleArn="arn:aws:iam::123456789012:role/sfn")["stateMachineArn"]
    return arn, f"{api.id}.execute-api.us-east-1.amazonaws.com"


def start(aws, machine, heartbeat: int, timeout: int) -> tuple[str, str]:
    """Start an execution; return (execution ARN, the task token the API was sent)."""
    sfn = aws("stepfunctions")
    arn, endpoint = machine
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(
        {"endpoint": endpoint, "heartbeat": heartbeat, "timeout": timeout}))["executionArn"]
    for _ in range(200):
        for event in sfn.get_execution_history(executionArn=execution)["events"]:
            if event["type"] == "TaskScheduled":
                parameters = json.loads(event["taskScheduledEventDetails"]["parameters"])
                return execution, parameters["RequestBody"]["token"]
        time.sleep(0.02)
    raise AssertionError("the task was never scheduled")


def finished(aws, execution: str, seconds: float = 15.0) -> dict:
    sfn = aws("stepfunctions")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.05)
    raise AssertionError(f"{execution} still running")


def test_send_task_success_resumes_with_its_output(aws, machine):
    execution, token = start(aws, machine, heartbeat=60, timeout=120)
    assert aws("stepfunctions").describe_execution(executionArn=execution)["status"] == "RUNNING"
    aws("stepfunctions").send_task_success(taskToken=token, output=json.dumps({"approved": True}))
    done = finished(aws, execution)
    assert done["status"] == "SUCCEEDED" and json.loads(done["output"]) == {"approved": True}


def test_send_task_failure_error_and_cause_reach_the_catch(aws, machine):
    execution, token = start(aws, machine, heartbeat=60, timeout=120)
    aws("stepfunctions").send_task_failure(taskToken=token, error="Rejected", cause="Over the limit")
    done = finished(aws, execution)
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {"Error": "Rejected", "Cause": "Over the limit"}


def test_heartbeats_keep_the_task_alive_and_missing_ones_time_it_out(aws, machine):
    execution, token = start(aws, machine, heartbeat=2, timeout=60)
    sfn = aws("stepfunctions")
    for _ in range(5):  # 2.5 s in all, longer than one heartbeat period; each gap a quarter of it
        time.sleep(0.5)
        sfn.send_task_heartbeat(taskToken=token)
    assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
    done = finished(aws, execution)
    assert json.loads(done["output"])["Error"] == "States.HeartbeatTimeout"
    timed_out = [e for e in sfn.get_execution_history(executionArn=execution)["events"] if e["type"] == "TaskTimedOut"]
    assert timed_out and timed_out[0]["taskTimedOutEventDetails"]["error"] == "States.HeartbeatTimeout"


def test_no_answer_within_timeout_seconds_is_states_timeout(aws, machine):
    execution, token = start(aws, machine, heartbeat=30, timeout=1)
    done = finished(aws, execution)
    assert json.loads(done["output"])["Error"] == "States.Timeout"
    with pytest.raises(ClientError) as caught:  # the token is no longer waited for
        aws("stepfunctions").send_task_success(taskToken=token, output="{}")
    assert caught.value.response["Error"]["Code"] in ("TaskTimedOut", "InvalidToken")
