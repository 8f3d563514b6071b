"""Execution logs in CloudWatch Logs (aws_sandbox/sfn_logging.py), as AWS writes them.

The expected records follow LocalStack's AWS-recorded snapshots
(tests/aws/services/stepfunctions/v2/logs/test_logs.snapshot.json, Apache-2.0): field names,
order and string types, which events each level keeps, and what includeExecutionData removes.
"""
from __future__ import annotations

import json
import time
import uuid

import pytest

ROLE = "arn:aws:iam::123456789012:role/sfn-logging-test"
PASS = {"StartAt": "State_1", "States": {"State_1": {"Type": "Pass", "Result": {"Arg1": "argument1"}, "End": True}}}
FAIL = {"StartAt": "FailState", "States": {"FailState": {
    "Type": "Fail", "Error": "SomeFailure", "Cause": "This state machines raises a 'SomeFailure' failure."}}}
FIELDS = ["id", "type", "details", "previous_event_id", "event_timestamp", "execution_arn", "redrive_count"]


@pytest.fixture(scope="module")
def sfn(aws):
    return aws("stepfunctions")


@pytest.fixture(scope="module")
def logs(aws):
    return aws("logs")


def logged_machine(sfn, logs, definition: dict, level: str, include_data: bool,
                   kind: str = "EXPRESS") -> tuple[str, str]:
    name = f"logged-{uuid.uuid4().hex[:8]}"
    group = f"/aws/vendedlogs/states/{name}"
    logs.create_log_group(logGroupName=group)
    group_arn = f"arn:aws:logs:us-east-1:123456789012:log-group:{group}:*"
    arn = sfn.create_state_machine(
        name=name, definition=json.dumps(definition), roleArn=ROLE, type=kind,
        loggingConfiguration={"level": level, "includeExecutionData": include_data,
                              "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": group_arn}}]},
    )["stateMachineArn"]
    return arn, group


def records(logs, group: str, count: int | None = None, seconds: float = 10.0) -> list[dict]:
    """The group's log records in order; waits (bounded) until ``count`` are there."""
    deadline = time.monotonic() + seconds
    while True:
        events = logs.filter_log_events(logGroupName=group)["events"]
        if count is None or len(events) >= count or time.monotonic() > deadline:
            return [json.loads(e["message"]) for e in events]
        time.sleep(0.02)


def test_an_express_execution_logs_every_event_with_its_data_at_level_all(sfn, logs):
    arn, group = logged_machine(sfn, logs, PASS, "ALL", True)
    answer = sfn.start_sync_execution(stateMachineArn=arn, input='{"a": 1}')
    assert answer["status"] == "SUCCEEDED"
    logged = records(logs, group, 4)
    assert [r["type"] for r in logged] == ["ExecutionStarted", "PassStateEntered", "PassStateExited",
                                          "ExecutionSucceeded"]
    assert all(list(r) == FIELDS for r in logged)
    assert [r["id"] for r in logged] == ["1", "2", "3", "4"]
    assert [r["previous_event_id"] for r in logged] == ["0", "0", "2", "3"]
    assert {r["execution_arn"] for r in logged} == {answer["executionArn"]}
    assert {r["redrive_count"] for r in logged} == {"0"}
    assert all(r["event_timestamp"].isdigit() and len(r["event_timestamp"]) == 13 for r in logged)
    started, entered, exited, succeeded = (r["details"] for r in logged)
    assert json.loads(started["input"]) == {"a": 1} and started["inputDetails"] == {"truncated": False}
    assert started["roleArn"] == ROLE
    assert entered["name"] == "State_1" and json.loads(entered["input"]) == {"a": 1}
    assert json.loads(exited["output"]) == {"Arg1": "argument1"}
    assert json.loads(succeeded["output"]) == {"Arg1": "argument1"}
    stream = logs.describe_log_streams(logGroupName=group)["logStreams"][0]["logStreamName"]
    assert stream.startswith(f"states/{arn.split(':')[-1]}/")


def test_without_execution_data_input_and_output_are_left_out(sfn, logs):
    arn, group = logged_machine(sfn, logs, PASS, "ALL", False)
    sfn.start_sync_execution(stateMachineArn=arn, input='{"secret": "x"}')
    logged = records(logs, group, 4)
    assert [r["details"] for r in logged] == [{"roleArn": ROLE}, {"name": "State_1"}, {"name": "State_1"}, {}]


def test_level_error_keeps_only_failures(sfn, logs):
    arn, group = logged_machine(sfn, logs, FAIL, "ERROR", False)
    answer = sfn.start_sync_execution(stateMachineArn=arn)
    assert answer["status"] == "FAILED"
    logged = records(logs, group, 2)
    assert [r["type"] for r in logged] == ["FailStateEntered", "ExecutionFailed"]
    assert logged[1]["details"] == {"cause": "This state machines raises a 'SomeFailure' failure.",
                                    "error": "SomeFailure"}


def test_level_error_logs_nothing_for_a_success_and_off_logs_nothing(sfn, logs):
    arn, group = logged_machine(sfn, logs, PASS, "ERROR", True)
    sfn.start_sync_execution(stateMachineArn=arn)
    arn_off, group_off = logged_machine(sfn, logs, PASS, "OFF", True)
    sfn.start_sync_execution(stateMachineArn=arn_off)
    time.sleep(0.2)  # nothing is expected: give a wrong write the chance to land
    assert records(logs, group) == [] and records(logs, group_off) == []


def test_a_standard_execution_with_logging_writes_the_same_records(sfn, logs):
    arn, group = logged_machine(sfn, logs, FAIL, "FATAL", True, kind="STANDARD")
    execution_arn = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    logged = records(logs, group, 1)
    assert [r["type"] for r in logged] == ["ExecutionFailed"]
    assert logged[0]["execution_arn"] == execution_arn


def test_a_missing_log_group_does_not_fail_the_execution(sfn, logs):
    arn, group = logged_machine(sfn, logs, PASS, "ALL", True)
    logs.delete_log_group(logGroupName=group)
    assert sfn.start_sync_execution(stateMachineArn=arn)["status"] == "SUCCEEDED"
