"""RedriveExecution on the sandbox, as the Step Functions API reference describes it."""
from __future__ import annotations

import datetime
import json
import time
import types
import uuid

import pytest
from botocore.exceptions import ClientError

from aws_sandbox.stepfunctions import redrive as sfn_redrive

ROLE = "arn:aws:iam::123456789012:role/sfn-test"


@pytest.fixture(scope="module")
def sfn(aws):
    return aws("stepfunctions")


def finished(sfn, execution_arn: str, seconds: float = 20.0) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        answer = sfn.describe_execution(executionArn=execution_arn)
        if answer["status"] != "RUNNING":
            return answer
        time.sleep(0.02)
    raise AssertionError(f"{execution_arn} still running after {seconds} s")


def code_of(call) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"]


@pytest.fixture
def failing_on_missing_table(sfn, aws):
    """A machine whose second state writes to a table that does not exist yet: it fails there."""
    table = f"redrive-{uuid.uuid4().hex[:8]}"
    definition = {"StartAt": "First", "States": {
        "First": {"Type": "Pass", "Result": {"n": 1}, "ResultPath": "$.first", "Next": "Write"},
        "Write": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "ResultPath": None,
                  "Parameters": {"TableName": table, "Item": {
                      "id": {"S.$": "$$.Execution.Name"}, "first": {"N.$": "States.Format('{}', $.first.n)"},
                      "redrives": {"N.$": "States.Format('{}', $$.Execution.RedriveCount)"},
                      "x": {"N.$": "States.Format('{}', $$.Execution.Input.x)"}}},
                  "End": True}}}
    arn = sfn.create_state_machine(name=f"m-{uuid.uuid4().hex[:10]}", definition=json.dumps(definition),
                                   roleArn=ROLE)["stateMachineArn"]
    return arn, table


def create_table(aws, table: str) -> None:
    aws("dynamodb").create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                                 KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                 AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])


def test_redrive_resumes_at_the_failed_state_under_the_same_arn(sfn, aws, failing_on_missing_table):
    machine, table = failing_on_missing_table
    execution = sfn.start_execution(stateMachineArn=machine, name="order-1", input='{"x": 1}')["executionArn"]
    failed = finished(sfn, execution)
    assert failed["status"] == "FAILED"
    assert (failed["redriveCount"], failed["redriveStatus"]) == (0, "REDRIVABLE")
    assert "redriveDate" not in failed

    create_table(aws, table)  # the cause of the failure is fixed
    before = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=1)
    redriven = sfn.redrive_execution(executionArn=execution)
    assert redriven["redriveDate"] >= before
    done = finished(sfn, execution)
    assert done["status"] == "SUCCEEDED" and done["executionArn"] == execution and done["input"] == '{"x": 1}'
    assert done["redriveCount"] == 1 and done["redriveDate"] == redriven["redriveDate"]
    assert done["redriveStatus"] == "NOT_REDRIVABLE"
    assert done["redriveStatusReason"] == "Execution is SUCCEEDED and cannot be redriven"
    # the Pass state's result, computed in the first attempt, reached the resumed state
    item = aws("dynamodb").get_item(TableName=table, Key={"id": {"S": "order-1"}})["Item"]
    assert item["first"] == {"N": "1"} and item["redrives"] == {"N": "1"}
    assert item["x"] == {"N": "1"}  # the execution's input, in the context object of the second attempt

    events = sfn.get_execution_history(executionArn=execution)["events"]
    types_ = [e["type"] for e in events]
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    assert types_.count("ExecutionStarted") == 1 and types_.count("ExecutionFailed") == 1
    assert types_.count("PassStateEntered") == 1  # states before the failed one are not run again
    redrive_event = events[types_.index("ExecutionRedriven")]
    assert redrive_event["executionRedrivenEventDetails"] == {"redriveCount": 1}
    assert types_.index("ExecutionFailed") < types_.index("ExecutionRedriven") < types_.index("ExecutionSucceeded")
    assert [e["stateEnteredEventDetails"]["name"] for e in events if e["type"] == "TaskStateEntered"] == ["Write"] * 2

    listed = [e for e in sfn.list_executions(stateMachineArn=machine)["executions"] if e["executionArn"] == execution]
    assert listed[0]["redriveCount"] == 1 and listed[0]["redriveDate"] == redriven["redriveDate"]
    assert code_of(lambda: sfn.redrive_execution(executionArn=execution)) == "ExecutionNotRedrivable"


def test_the_same_client_token_redrives_once(sfn, aws, failing_on_missing_table):
    machine, table = failing_on_missing_table
    execution = sfn.start_execution(stateMachineArn=machine, name="order-2")["executionArn"]
    assert finished(sfn, execution)["status"] == "FAILED"
    create_table(aws, table)
    first = sfn.redrive_execution(executionArn=execution, clientToken="token-1")
    again = sfn.redrive_execution(executionArn=execution, clientToken="token-1")
    assert again["redriveDate"] == first["redriveDate"]
    assert finished(sfn, execution)["redriveCount"] == 1


def test_running_succeeded_and_unknown_executions_are_refused(sfn):
    wait = {"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 100, "End": True}}}
    machine = sfn.create_state_machine(name=f"m-{uuid.uuid4().hex[:10]}", definition=json.dumps(wait),
                                       roleArn=ROLE)["stateMachineArn"]
    running = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    described = sfn.describe_execution(executionArn=running)
    assert described["redriveStatus"] == "NOT_REDRIVABLE"
    assert described["redriveStatusReason"] == "Execution is RUNNING and cannot be redriven"
    assert code_of(lambda: sfn.redrive_execution(executionArn=running)) == "ExecutionNotRedrivable"
    unknown = running.rsplit(":", 1)[0] + ":nope"
    assert code_of(lambda: sfn.redrive_execution(executionArn=unknown)) == "ExecutionDoesNotExist"


def test_an_aborted_execution_resumes_in_the_state_it_was_stopped_in(sfn):
    wait = {"StartAt": "Mark", "States": {
        "Mark": {"Type": "Pass", "Result": "marked", "ResultPath": "$.mark", "Next": "Hold"},
        "Hold": {"Type": "Wait", "Seconds": 100, "Next": "Done"},
        "Done": {"Type": "Pass", "End": True}}}
    machine = sfn.create_state_machine(name=f"m-{uuid.uuid4().hex[:10]}", definition=json.dumps(wait),
                                       roleArn=ROLE)["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=machine, input='{"a": 1}')["executionArn"]
    for _ in range(200):  # bounded: until the Wait state is entered
        if any(e["type"] == "WaitStateEntered" for e in sfn.get_execution_history(executionArn=execution)["events"]):
            break
        time.sleep(0.01)
    sfn.stop_execution(executionArn=execution)
    assert finished(sfn, execution)["status"] == "ABORTED"
    sfn.redrive_execution(executionArn=execution)
    done = finished(sfn, execution)
    assert done["status"] == "SUCCEEDED" and json.loads(done["output"]) == {"a": 1, "mark": "marked"}
    events = sfn.get_execution_history(executionArn=execution)["events"]
    assert sum(e["type"] == "PassStateEntered" and e["stateEnteredEventDetails"]["name"] == "Mark" for e in events) == 1


def test_redrivable_period_is_14_days():
    stopped = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    execution = types.SimpleNamespace(status="FAILED", stop_date=stopped)
    assert sfn_redrive.not_redrivable_reason(execution, stopped + datetime.timedelta(days=13, hours=23)) is None
    assert sfn_redrive.not_redrivable_reason(execution, stopped + datetime.timedelta(days=14, seconds=1)) == \
        "Execution redrivable period exceeded"


def test_express_executions_cannot_be_redriven(sfn):
    machine = sfn.create_state_machine(name=f"m-{uuid.uuid4().hex[:10]}", roleArn=ROLE, type="EXPRESS",
                                       definition=json.dumps({"StartAt": "F", "States": {"F": {"Type": "Fail"}}}))
    answer = sfn.start_sync_execution(stateMachineArn=machine["stateMachineArn"])
    assert answer["status"] == "FAILED"
    assert code_of(lambda: sfn.redrive_execution(executionArn=answer["executionArn"])) == "InvalidArn"
