"""Step Functions on the sandbox behave as on AWS: boto3 against a real sandbox process."""
from __future__ import annotations

import json
import re
import threading
import time
import uuid

import pytest
from botocore.exceptions import ClientError
from tests.conftest import wait_for_execution

# Retry intervals and Wait states run at 1/100 of their time in this session's sandbox
# (conftest.py sets LAB_SANDBOX_SFN_TIME_SCALE before the sandbox starts).

ROLE = "arn:aws:iam::123456789012:role/sfn-test"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
# Waits 100 s on AWS, 1 s here: long enough to be "running" for a few calls.
# Running until stopped: 100,000 s is still 1,000 s at the tests' time scale (100 s was 1 s, which a
# loaded machine spends before eight racing starts are in; the execution had closed).
LONG_WAIT = {"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 100_000, "End": True}}}
PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"ok": True}, "ResultPath": "$.r", "End": True}}}


@pytest.fixture(scope="module")
def sfn(aws):
    return aws("stepfunctions")


def machine(sfn, definition: dict, kind: str = "STANDARD") -> str:
    name = f"m-{uuid.uuid4().hex[:10]}"
    return sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE,
                                    type=kind)["stateMachineArn"]


def finished(sfn, execution_arn: str, seconds: float = 10.0) -> dict:
    return wait_for_execution(sfn, execution_arn, seconds)


def error_of(call) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response
    return error["Error"]["Code"], error["Error"]["Message"], error["ResponseMetadata"]["HTTPStatusCode"]


# -- 1. names ---------------------------------------------------------------------------
def test_executions_started_without_a_name_get_distinct_uuid_names(sfn):
    arn = machine(sfn, PASS)
    first = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    second = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    assert first != second
    for execution_arn in (first, second):
        answer = finished(sfn, execution_arn)
        assert answer["status"] == "SUCCEEDED"
        assert UUID.match(answer["name"]) and execution_arn.endswith(":" + answer["name"])


@pytest.mark.parametrize("name", ["has space", "a/b", "star*", "x" * 81, "colon:name"])
def test_an_invalid_execution_name_is_refused(sfn, name):
    arn = machine(sfn, PASS)
    code, message, status = error_of(lambda: sfn.start_execution(stateMachineArn=arn, name=name))
    assert (code, status) == ("InvalidName", 400)
    assert message == f"Invalid Name: '{name}'"


# -- 2. idempotency ----------------------------------------------------------------------
def test_standard_same_name_and_input_while_running_returns_the_same_execution(sfn):
    arn = machine(sfn, LONG_WAIT)
    first = sfn.start_execution(stateMachineArn=arn, name="order-1", input='{"n": 1}')
    again = sfn.start_execution(stateMachineArn=arn, name="order-1", input='{"n": 1}')
    assert (again["executionArn"], again["startDate"]) == (first["executionArn"], first["startDate"])

    code, message, status = error_of(
        lambda: sfn.start_execution(stateMachineArn=arn, name="order-1", input='{"n": 2}'))
    assert (code, status) == ("ExecutionAlreadyExists", 400)
    assert message == f"Execution Already Exists: '{first['executionArn']}'"

    sfn.stop_execution(executionArn=first["executionArn"])
    assert finished(sfn, first["executionArn"])["status"] == "ABORTED"
    code, message, _ = error_of(
        lambda: sfn.start_execution(stateMachineArn=arn, name="order-1", input='{"n": 1}'))
    assert code == "ExecutionAlreadyExists"  # closed: refused whatever the input


def test_stop_execution_aborts_at_once_with_the_date_it_answered(sfn):
    arn = machine(sfn, LONG_WAIT)
    execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    stopped = sfn.stop_execution(executionArn=execution)
    described = sfn.describe_execution(executionArn=execution)  # straight after: no wait
    assert described["status"] == "ABORTED" and described["stopDate"] == stopped["stopDate"]
    assert [e["executionArn"] for e in sfn.list_executions(stateMachineArn=arn, statusFilter="ABORTED")["executions"]] \
        == [execution]
    deadline = time.monotonic() + 30  # the interpreter's thread writes the history's last event (bounded wait)
    while sfn.get_execution_history(executionArn=execution)["events"][-1]["type"] != "ExecutionAborted":
        assert time.monotonic() < deadline, "no ExecutionAborted event"
        time.sleep(0.01)
    assert sfn.describe_execution(executionArn=execution)["stopDate"] == stopped["stopDate"]  # kept once filed


def test_racing_retries_of_one_start_make_one_execution(sfn, aws):
    arn = machine(sfn, LONG_WAIT)
    answers: list[str] = []

    def start() -> None:
        client = aws("stepfunctions")
        answers.append(client.start_execution(stateMachineArn=arn, name="same", input="{}")["executionArn"])

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 8 and len(set(answers)) == 1
    assert len(sfn.list_executions(stateMachineArn=arn)["executions"]) == 1
    sfn.stop_execution(executionArn=answers[0])


def test_express_start_execution_is_not_idempotent_and_not_recorded(sfn):
    arn = machine(sfn, PASS, "EXPRESS")
    first = sfn.start_execution(stateMachineArn=arn, name="same", input="{}")["executionArn"]
    second = sfn.start_execution(stateMachineArn=arn, name="same", input="{}")["executionArn"]
    assert first != second
    machine_name = arn.rsplit(":", 1)[1]
    assert re.match(rf"^arn:aws:states:us-east-1:\d{{12}}:express:{machine_name}:same:[0-9a-f-]{{36}}$", first)

    code, message, _ = error_of(lambda: sfn.describe_execution(executionArn=first))
    assert (code, message) == ("InvalidArn", "Invalid Arn: 'Resource type not valid in this context: express'")
    code, _, _ = error_of(lambda: sfn.list_executions(stateMachineArn=arn))
    assert code == "StateMachineTypeNotSupported"


# -- 3. StartSyncExecution ----------------------------------------------------------------
def test_start_sync_execution_returns_the_result_as_aws_does(sfn):
    arn = machine(sfn, PASS, "EXPRESS")
    answer = sfn.start_sync_execution(stateMachineArn=arn, name="sync-1", input='{"a": 1}')
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"]) == {"a": 1, "r": {"ok": True}}
    assert answer["input"] == '{"a":1}' and answer["inputDetails"] == {"included": True}
    assert answer["outputDetails"] == {"included": True}
    assert answer["name"] == "sync-1" and answer["stateMachineArn"] == arn
    assert ":express:" in answer["executionArn"]
    assert answer["startDate"] <= answer["stopDate"]
    assert answer["billingDetails"]["billedMemoryUsedInMB"] == 64
    assert answer["billingDetails"]["billedDurationInMilliseconds"] % 100 == 0
    assert answer["billingDetails"]["billedDurationInMilliseconds"] >= 100


def test_a_failed_sync_execution_is_still_http_200_with_error_and_cause(sfn):
    arn = machine(sfn, {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "OutOfStock", "Cause": "none left"}}},
                  "EXPRESS")
    answer = sfn.start_sync_execution(stateMachineArn=arn, input="{}")
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert (answer["status"], answer["error"], answer["cause"]) == ("FAILED", "OutOfStock", "none left")
    assert "output" not in answer and UUID.match(answer["name"])
    assert answer["outputDetails"] == {"included": True}  # as AWS answers (express/test_express_sync)


def test_start_sync_execution_refuses_standard_machines_and_unknown_ones(sfn):
    standard = machine(sfn, PASS)
    code, message, status = error_of(lambda: sfn.start_sync_execution(stateMachineArn=standard))
    assert (code, status) == ("StateMachineTypeNotSupported", 400)
    assert message == "This operation is not supported by this type of state machine"
    missing = standard + "-missing"
    code, message, _ = error_of(lambda: sfn.start_sync_execution(stateMachineArn=missing))
    assert (code, message) == ("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{missing}'")


def test_start_sync_execution_refuses_input_that_is_not_json(sfn):
    arn = machine(sfn, PASS, "EXPRESS")
    code, _, status = error_of(lambda: sfn.start_sync_execution(stateMachineArn=arn, input="{not json"))
    assert (code, status) == ("InvalidExecutionInput", 400)


# -- 4. Task states reach the sandbox (in-process) -------------------------------------
def test_dynamodb_tasks_write_to_the_sandbox_on_its_own_port(sfn, aws, sandbox_port):
    assert sandbox_port != 5000  # moto's default port would be the wrong place
    dynamodb = aws("dynamodb")
    table = f"orders-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    arn = machine(sfn, {"StartAt": "Put", "States": {
        "Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {"TableName": table, "Item": {"id": {"S.$": "$.id"}, "state": {"S": "NEW"}}},
                "ResultPath": None, "Next": "Get"},
        "Get": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {"TableName": table, "Key": {"id": {"S.$": "$.id"}}},
                "ResultSelector": {"state.$": "$.Item.state.S"}, "End": True}}})
    executions = [sfn.start_execution(stateMachineArn=arn, input=json.dumps({"id": f"o{i}"}))["executionArn"]
                  for i in range(5)]
    for execution_arn in executions:
        answer = finished(sfn, execution_arn)
        assert (answer["status"], json.loads(answer["output"])) == ("SUCCEEDED", {"state": "NEW"})
    assert dynamodb.scan(TableName=table)["Count"] == 5


def test_a_failing_task_call_is_a_catchable_service_error(sfn):
    arn = machine(sfn, {"StartAt": "Get", "States": {
        "Get": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {"TableName": "no-such-table", "Key": {"id": {"S": "x"}}},
                "Catch": [{"ErrorEquals": ["DynamoDB.ResourceNotFoundException"], "Next": "Caught"}],
                "End": True},
        "Caught": {"Type": "Pass", "End": True}}})
    answer = finished(sfn, sfn.start_execution(stateMachineArn=arn)["executionArn"])
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"])["Error"] == "DynamoDB.ResourceNotFoundException"


# -- 6. StringMatches ---------------------------------------------------------------------
@pytest.mark.parametrize("pattern,value,matches", [
    ("log-*.txt", "log-2024.txt", True),
    ("log-*.txt", "log-.txt", True),
    ("log-*.txt", "xlog-1.txt", False),
    ("file?.txt", "file1.txt", False),  # ? is not a wildcard
    ("file?.txt", "file?.txt", True),
    ("[ab]*", "a1", False),             # [...] is not a character class
    ("[ab]*", "[ab]1", True),
    ("literal\\*star", "literal*star", True),
    ("literal\\*star", "literalXstar", False),
    ("*\"valid\":true*", '{"valid": true}', False),  # the recipe's defect 1: json.dumps adds a space
])
def test_string_matches_has_only_star_as_wildcard(sfn, pattern, value, matches):
    arn = machine(sfn, {"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.v", "StringMatches": pattern, "Next": "Yes"}],
              "Default": "No"},
        "Yes": {"Type": "Pass", "Result": True, "End": True},
        "No": {"Type": "Pass", "Result": False, "End": True}}})
    answer = finished(sfn, sfn.start_execution(stateMachineArn=arn, input=json.dumps({"v": value}))["executionArn"])
    assert json.loads(answer["output"]) is matches


# -- 7. scaled retry waits (tests only) ---------------------------------------------------
def test_retry_runs_every_attempt_with_scaled_intervals(sfn):
    arn = machine(sfn, {"StartAt": "Par", "States": {"Par": {
        "Type": "Parallel", "End": True,
        "Branches": [{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "c"}}}],
        "Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 10, "MaxAttempts": 2, "BackoffRate": 2}]}}})
    started = time.monotonic()
    execution_arn = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    answer = finished(sfn, execution_arn)
    assert time.monotonic() - started < 15  # 10 + 20 s on AWS: the intervals were scaled
    assert (answer["status"], answer["error"]) == ("FAILED", "Boom")
    events = sfn.get_execution_history(executionArn=execution_arn)["events"]
    assert [e["type"] for e in events].count("FailStateEntered") == 3


def test_execution_history_comes_in_pages_as_on_aws(sfn):
    states = {f"Step{i}": {"Type": "Pass", "Next": f"Step{i + 1}"} for i in range(59)}
    states["Step59"] = {"Type": "Pass", "End": True}
    arn = machine(sfn, {"StartAt": "Step0", "States": states})
    execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    assert wait_for_execution(sfn, execution)["status"] == "SUCCEEDED"

    first = sfn.get_execution_history(executionArn=execution)
    assert len(first["events"]) == 100 and "nextToken" in first  # AWS's default page
    every = [event for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution)
             for event in page["events"]]
    assert len(every) == 122 and [e["id"] for e in every] == list(range(1, 123))
    assert every[0]["type"] == "ExecutionStarted" and every[-1]["type"] == "ExecutionSucceeded"
    newest = [event for page in sfn.get_paginator("get_execution_history").paginate(
        executionArn=execution, reverseOrder=True, PaginationConfig={"PageSize": 7}) for event in page["events"]]
    assert newest == every[::-1]
    last = sfn.get_execution_history(executionArn=execution, maxResults=1000)
    assert len(last["events"]) == 122 and "nextToken" not in last

    code, _, status = error_of(lambda: sfn.get_execution_history(executionArn=execution, nextToken="made-up"))
    assert (code, status) == ("InvalidToken", 400)
    other = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    code, _, _ = error_of(lambda: sfn.get_execution_history(executionArn=other, nextToken=first["nextToken"]))
    assert code == "InvalidToken"  # a token is for the history it came from


def test_execution_history_without_data_leaves_out_inputs_and_outputs(sfn):
    arn = machine(sfn, {"StartAt": "Say", "States": {"Say": {"Type": "Pass", "Result": {"secret": 1}, "End": True}}})
    execution = sfn.start_execution(stateMachineArn=arn, input='{"card": "4111"}')["executionArn"]
    assert wait_for_execution(sfn, execution)["status"] == "SUCCEEDED"
    bare = sfn.get_execution_history(executionArn=execution, includeExecutionData=False)["events"]
    full = sfn.get_execution_history(executionArn=execution)["events"]
    assert [e["type"] for e in bare] == [e["type"] for e in full]
    assert "4111" not in str(bare) and "secret" not in str(bare)
    assert bare[0]["executionStartedEventDetails"]["roleArn"] == full[0]["executionStartedEventDetails"]["roleArn"]
    assert bare[1]["stateEnteredEventDetails"] == {"name": "Say"}
    assert '"4111"' in full[0]["executionStartedEventDetails"]["input"]  # the stored history keeps its data
