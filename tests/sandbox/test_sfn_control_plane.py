"""The Step Functions control plane answers as AWS recorded it.

Every expected answer here is copied from LocalStack's AWS-recorded snapshots (commit in
tests/conformance/README.md), ``tests/aws/services/stepfunctions/v2/<file>.snapshot.json``, test
named in each comment. Calls a speed path also answers (StartExecution, DescribeExecution) run on
the sandbox as it ships and on one with ``LAB_SANDBOX_SPEED_PATHS=off``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from tests.conftest import clients, wait_for_execution

ROOT = Path(__file__).resolve().parents[2]
ROLE = "arn:aws:iam::123456789012:role/sfn-control-plane"
OTHER_ROLE = "arn:aws:iam::123456789012:role/sfn-control-plane-2"
# BaseTemplate.BASE_PASS_RESULT, the machine of most recorded cases
PASS = {"Comment": "BASE_PASS_RESULT", "StartAt": "State_1",
        "States": {"State_1": {"Type": "Pass", "Result": {"Arg1": "argument1"}, "End": True}}}
# ValidationTemplate.VALID_QUERY_LANGUAGE_PASS, with a Result to see that the inner Pass runs as JSONPath
MIXED_QUERY_LANGUAGES = {"StartAt": "Map", "QueryLanguage": "JSONPath", "States": {"Map": {
    "Type": "Map", "QueryLanguage": "JSONata", "End": True, "ItemProcessor": {
        "ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Pass",
        "States": {"Pass": {"QueryLanguage": "JSONPath", "Type": "Pass", "Result": 1, "ResultPath": "$.r",
                            "End": True}}}}}}
WAIT = {"StartAt": "State_1", "States": {"State_1": {"Type": "Wait", "Seconds": 100_000, "End": True}}}


@pytest.fixture(scope="module")
def sfn(aws):
    return aws("stepfunctions")


@pytest.fixture(scope="module", params=["speed-paths-on", "speed-paths-off"])
def sfn_both(request, sandbox):
    """A client of the sandbox as it ships, then of one without speed paths."""
    url = sandbox if request.param == "speed-paths-on" else request.getfixturevalue("sandbox_without_speed_paths")
    return clients(url)("stepfunctions")


def create(sfn, definition: dict = PASS, **kwargs) -> tuple[str, str]:
    name = kwargs.pop("name", f"statemachine_{uuid.uuid4().hex[:8]}")
    arn = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=kwargs.pop("roleArn", ROLE),
                                   **kwargs)["stateMachineArn"]
    return name, arn


def error_of(call) -> tuple[str, str, int, str | None]:
    with pytest.raises(ClientError) as caught:
        call()
    answer = caught.value.response
    return (answer["Error"]["Code"], answer["Error"]["Message"], answer["ResponseMetadata"]["HTTPStatusCode"],
            answer.get("message"))


def refused(call, code: str, message: str) -> None:
    """The call fails as AWS recorded it: HTTP 400, that code, that message (also as ``message``)."""
    assert error_of(call) == (code, message, 400, message)


def history_once_aborted(sfn, execution_arn: str) -> list[dict]:
    """The history, once its ExecutionAborted event is in (the interpreter's thread writes it)."""
    deadline = time.monotonic() + 30
    while (events := sfn.get_execution_history(executionArn=execution_arn)["events"])[-1]["type"] \
            != "ExecutionAborted":
        assert time.monotonic() < deadline, [event["type"] for event in events]
        time.sleep(0.05)
    return events


# -- CreateStateMachine ---------------------------------------------------------------------
def test_a_definition_without_states_is_refused_in_aws_words(sfn):
    # test_sfn_api.py::test_create_delete_invalid_sm (moto: no error code, "Error=ValueError Args=...")
    refused(lambda: create(sfn, {"Comment": "BASE_INVALID_DER", "StartAt": "State_1"}), "InvalidDefinition",
            "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /'")


@pytest.mark.parametrize("kind,state,where", [
    ("WAIT_FOR_TASK_TOKEN", {"Type": "Task", "Resource": "arn:aws:states:::sns:publish.waitForTaskToken",
                             "Parameters": {"TopicArn": "t", "Message.$": "$$.Task.Token"}, "End": True},
     "'.waitForTaskToken' service integration  at /States/S/Resource"),
    ("SYNC", {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync",
              "Parameters": {"StateMachineArn": "x"}, "End": True},
     "'.sync' service integration at /States/S/Resource"),
    ("ACTIVITY", {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:a", "End": True},
     "Activity ARN at /States/S/Resource"),
])
def test_an_express_machine_refuses_callbacks_sync_and_activities(sfn, kind, state, where):
    # test_sfn_api_express.py::test_illegal_callbacks[WAIT_FOR_TASK_TOKEN], [SYNC] and ::test_illegal_activity_task
    definition = {"StartAt": "S", "States": {"S": state}}
    refused(lambda: create(sfn, definition, type="EXPRESS"), "InvalidDefinition", "Invalid State Machine "
            f"Definition: 'SCHEMA_VALIDATION_FAILED: Express state machine does not support {where}'")
    _, arn = create(sfn, definition)  # a Standard machine may
    assert arn


def test_create_with_the_name_of_another_machine_is_refused_and_the_same_request_is_idempotent(sfn):
    # test_sfn_api.py::test_create_exact_duplicate_sm, ::test_create_duplicate_sm_name,
    # ::test_create_duplicate_definition_format_sm (moto answered the old machine to all three)
    name, arn = create(sfn)
    assert create(sfn, name=name) == (name, arn)
    other = json.loads(json.dumps(PASS))
    other["States"]["State_1"]["Result"]["Arg2"] = "Argument2"
    for definition in (json.dumps(other), json.dumps(PASS, indent=4)):
        refused(lambda: sfn.create_state_machine(name=name, definition=definition, roleArn=ROLE),  # noqa: B023
                "StateMachineAlreadyExists", f"State Machine Already Exists: '{arn}'")
    assert json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"]) == PASS


def test_state_machines_are_listed_by_name_in_pages(sfn):
    # test_sfn_api.py::test_list_sms_pagination (13 machines, pages of 5: listed _0, _10, _11, _12, _1, _2, ...)
    tag = uuid.uuid4().hex[:6]
    names = [f"statemachine_{i}_{tag}" for i in range(13)]
    for name in names:
        create(sfn, name=name)
    listed = []
    for page in sfn.get_paginator("list_state_machines").paginate(maxResults=5):
        assert 0 < len(page["stateMachines"]) <= 5
        listed += [machine["name"] for machine in page["stateMachines"] if machine["name"] in names]
    assert listed == [names[i] for i in (0, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9)]


def test_a_too_long_next_token_is_shown_whole_in_the_validation_error(sfn):
    # test_sfn_api.py::test_list_sms_pagination and ::test_list_executions_pagination
    # ("...-invalid-param-long-nextToken"; the sandbox cut values to 256 characters and "...")
    _, arn = create(sfn)
    for call, size, limit in [(lambda token: sfn.list_state_machines(nextToken=token), 1025, 1024),
                              (lambda token: sfn.list_executions(stateMachineArn=arn, nextToken=token), 3097, 3096)]:
        refused(lambda: call("x" * size), "ValidationException",  # noqa: B023
                f"1 validation error detected: Value '{'x' * size}' at 'nextToken' failed to satisfy constraint: "
                f"Member must have length less than or equal to {limit}")


def test_logging_needs_one_existing_log_group_unless_it_is_off(aws, sfn):
    # test_sfn_api_logs.py::test_invalid_logging_configuration, ::test_multiple_destinations,
    # ::test_deleted_log_group, ::test_update_logging_configuration, ::test_incomplete_logging_configuration
    logs = aws("logs")
    groups = [f"/aws/vendedlogs/states/cp-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    for group in groups:
        logs.create_log_group(logGroupName=group)
    destination = [{"cloudWatchLogsLogGroup": {"logGroupArn": f"arn:aws:logs:us-east-1:123456789012:log-group:{g}:*"}}
                   for g in groups]
    one_destination = "Invalid Logging Configuration: Must specify exactly one Log Destination."
    for level in ("ALL", "FATAL", "ERROR"):
        refused(lambda: create(sfn, loggingConfiguration={"level": level}),  # noqa: B023
                "InvalidLoggingConfiguration", one_destination)
    refused(lambda: create(sfn, loggingConfiguration={"level": "ALL", "destinations": destination}),
            "InvalidLoggingConfiguration", one_destination)
    logs.delete_log_group(logGroupName=groups[1])
    refused(lambda: create(sfn, loggingConfiguration={"level": "ALL", "destinations": destination[1:]}),
            "InvalidLoggingConfiguration", "Invalid Logging Configuration: Log Destination not found.")
    _, arn = create(sfn, loggingConfiguration={"level": "ALL", "includeExecutionData": True,
                                               "destinations": destination[:1]})
    refused(lambda: sfn.update_state_machine(stateMachineArn=arn, loggingConfiguration={"level": "ALL"}),
            "InvalidLoggingConfiguration", one_destination)
    assert sfn.describe_state_machine(stateMachineArn=arn)["loggingConfiguration"] == {
        "level": "ALL", "includeExecutionData": True, "destinations": destination[:1]}
    off = {"includeExecutionData": False, "level": "OFF"}
    for given, described in [({}, off), ({"destinations": []}, {"destinations": [], **off})]:
        _, arn = create(sfn, loggingConfiguration=given)
        assert sfn.describe_state_machine(stateMachineArn=arn)["loggingConfiguration"] == described


# -- DescribeStateMachine, UpdateStateMachine ------------------------------------------------
def test_describe_state_machine_answers_aws_fields(sfn):
    # test_sfn_api.py::test_describe_sm_arn_containing_punctuation ("describe_resp")
    name, arn = create(sfn, name=f"state.machine_{uuid.uuid4().hex[:8]}")
    answer = sfn.describe_state_machine(stateMachineArn=arn)
    answer.pop("ResponseMetadata")
    assert set(answer) == {"creationDate", "definition", "loggingConfiguration", "name", "roleArn",
                           "stateMachineArn", "status", "tracingConfiguration", "type"}
    assert answer["loggingConfiguration"] == {"includeExecutionData": False, "level": "OFF"}
    assert (answer["name"], answer["stateMachineArn"], answer["status"], answer["type"]) == (name, arn, "ACTIVE",
                                                                                                 "STANDARD")


def test_updates_get_a_revision_id_which_changes_only_when_the_machine_does(sfn):
    # test_sfn_api.py::test_create_update_state_machine_base_definition and ::..._same_parameters
    _, arn = create(sfn)
    assert "revisionId" not in sfn.describe_state_machine(stateMachineArn=arn)
    first = sfn.update_state_machine(stateMachineArn=arn, roleArn=OTHER_ROLE)
    assert set(first) - {"ResponseMetadata"} == {"revisionId", "updateDate"}
    again = sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(PASS), roleArn=OTHER_ROLE)
    assert again["revisionId"] == first["revisionId"]
    changed = json.loads(json.dumps(PASS))
    changed["States"]["State_1"]["Result"]["Arg1"] = "AfterUpdate1"
    second = sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(changed))
    assert second["revisionId"] != first["revisionId"]
    described = sfn.describe_state_machine(stateMachineArn=arn)
    assert described["revisionId"] == second["revisionId"]
    assert json.loads(described["definition"]) == changed and described["roleArn"] == OTHER_ROLE


def test_update_with_nothing_to_change_is_missing_required_parameter(sfn):
    # test_sfn_api.py::test_create_update_state_machine_base_update_none (moto: no error code)
    _, arn = create(sfn)
    refused(lambda: sfn.update_state_machine(stateMachineArn=arn), "MissingRequiredParameter",
            "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be "
            "specified")


def test_describe_state_machine_for_execution_answers_what_the_execution_ran(sfn):
    # test_sfn_api.py::test_describe_state_machine_for_execution ("describe_resp"); after an update,
    # the definition the execution ran (API reference: "the state machine associated with the execution")
    name, arn = create(sfn)
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    wait_for_execution(sfn, execution)
    changed = json.loads(json.dumps(PASS))
    changed["States"]["State_1"]["Result"]["Arg1"] = "AfterUpdate1"
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(changed), roleArn=OTHER_ROLE)
    answer = sfn.describe_state_machine_for_execution(executionArn=execution)
    answer.pop("ResponseMetadata")
    assert set(answer) == {"definition", "loggingConfiguration", "name", "roleArn", "stateMachineArn",
                           "tracingConfiguration", "updateDate"}
    assert json.loads(answer["definition"]) == PASS and answer["roleArn"] == ROLE
    assert (answer["name"], answer["stateMachineArn"]) == (name, arn)
    assert answer["loggingConfiguration"] == {"includeExecutionData": False, "level": "OFF"}


# -- ARNs that are not ARNs ------------------------------------------------------------------
@pytest.mark.parametrize("operation,argument", [
    ("describe_state_machine", "stateMachineArn"),  # test_sfn_api.py::test_describe_invalid_arn_sm
    ("list_executions", "stateMachineArn"),  # ::test_list_execution_invalid_arn
    ("describe_execution", "executionArn"),  # ::test_describe_execution_invalid_arn
    ("get_execution_history", "executionArn"),  # ::test_get_execution_history_invalid_arn
    ("describe_activity", "activityArn"),  # test_sfn_api_activities.py::test_describe_activity_invalid_arn
])
def test_a_malformed_arn_is_invalid_arn_prefix(sfn_both, operation, argument):
    refused(lambda: getattr(sfn_both, operation)(**{argument: "not_an_arn"}), "InvalidArn",
            "Invalid Arn: 'Invalid ARN prefix: not_an_arn'")


# -- executions ----------------------------------------------------------------------------
def test_describe_execution_answers_input_details(sfn_both):
    # test_sfn_api.py::test_describe_execution ("describe_execution")
    _, arn = create(sfn_both)
    execution = sfn_both.start_execution(stateMachineArn=arn)["executionArn"]
    answer = wait_for_execution(sfn_both, execution)
    assert answer["inputDetails"] == {"included": True} and answer["outputDetails"] == {"included": True}
    assert answer["redriveStatusReason"] == "Execution is SUCCEEDED and cannot be redriven"


@pytest.mark.parametrize("definition, output", [
    ({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"a": 1, "b": [1, "x y"]}, "End": True}}},
     '{"a":1,"b":[1,"x y"]}'),
    ({"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "Output": "hello", "End": True}}},
     '"hello"'),
])
def test_describe_execution_output_is_compact_json_as_in_the_history(sfn_both, definition, output):
    # AWS writes state data compactly (recorded histories: "output": "[{\"result\":{\"stateInput\":1,...");
    # the same text as the ExecutionSucceeded event's, a JSONata string output quoted as JSON
    arn = sfn_both.create_state_machine(name=f"out-{uuid.uuid4().hex[:8]}", definition=json.dumps(definition),
                                        roleArn=ROLE)["stateMachineArn"]
    execution = sfn_both.start_execution(stateMachineArn=arn)["executionArn"]
    answer = wait_for_execution(sfn_both, execution)
    last = sfn_both.get_execution_history(executionArn=execution, reverseOrder=True, maxResults=1)["events"][0]
    assert answer["output"] == output == last["executionSucceededEventDetails"]["output"]


@pytest.mark.parametrize("text,reason", [
    ("not some json", "Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', "
                      "'true' or 'false')"),
    ("{'not': 'json'", "Unexpected character (''' (code 39)): was expecting double-quote to start field name"),
    ("", "Invalid execution input."),
])
def test_input_that_is_not_json_is_refused_in_aws_words(sfn_both, text, reason):
    # test_sfn_api.py::test_invalid_start_execution_input (start_exec_str_inp, _not_json_inp, start_res_empty)
    _, arn = create(sfn_both)
    refused(lambda: sfn_both.start_execution(stateMachineArn=arn, input=text), "InvalidExecutionInput",
            f"Invalid State Machine Execution Input: '{reason}'")
    assert sfn_both.list_executions(stateMachineArn=arn)["executions"] == []


def test_a_stopped_execution_has_aws_aborted_event(sfn_both):
    # test_sfn_api.py::test_stop_execution ("exec_hist_resp": executionAbortedEventDetails {})
    _, arn = create(sfn_both, WAIT)
    execution = sfn_both.start_execution(stateMachineArn=arn)["executionArn"]
    sfn_both.stop_execution(executionArn=execution)
    events = history_once_aborted(sfn_both, execution)
    assert [event["type"] for event in events] == ["ExecutionStarted", "WaitStateEntered", "ExecutionAborted"]
    assert events[-1]["executionAbortedEventDetails"] == {}


def test_stop_execution_keeps_the_error_and_cause_it_was_given(sfn_both):
    # The API's error and cause arguments (moto ignored them); they are the aborted event's details
    _, arn = create(sfn_both, WAIT)
    execution = sfn_both.start_execution(stateMachineArn=arn)["executionArn"]
    sfn_both.stop_execution(executionArn=execution, error="Operator", cause="stopped by hand")
    events = history_once_aborted(sfn_both, execution)
    assert events[-1]["executionAbortedEventDetails"] == {"error": "Operator", "cause": "stopped by hand"}


def test_a_stop_straight_after_the_start_still_ends_the_history_aborted(sfn_both):
    # However soon it comes (before the interpreter's thread has begun, or before the first state),
    # the stop answers, the execution is ABORTED and its history ends with ExecutionAborted.
    _, arn = create(sfn_both, WAIT)
    for _ in range(20):
        execution = sfn_both.start_execution(stateMachineArn=arn)["executionArn"]
        sfn_both.stop_execution(executionArn=execution, cause="at once")
        assert sfn_both.describe_execution(executionArn=execution)["status"] == "ABORTED"
        events = history_once_aborted(sfn_both, execution)
        assert [events[0]["type"], events[-1]["type"]] == ["ExecutionStarted", "ExecutionAborted"]
        assert events[-1]["executionAbortedEventDetails"] == {"cause": "at once"}


# In a process of its own: the interpreter's thread held back before it makes its environment
# (moto's stop had nothing to stop: a 500), or after it, before its program begins (moto ignored
# the stop: the execution ran on; and one stopped just as it began was pruned, with no ExecutionAborted).
EARLY_STOP_RUNNER = textwrap.dedent('''
    import datetime, json, sys, threading, time
    from aws_sandbox import moto_patches
    moto_patches.install(1)
    moto_patches.install_deferred()
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
    from moto.stepfunctions.responses import get_backend

    where = sys.argv[1]
    gate = threading.Event()
    held = getattr(ExecutionWorker, where)

    def hold(self, *args):
        if where == "_get_evaluation_environment":
            made = self.env = held(self, *args)  # there to be stopped, before the first state
            gate.wait(10)
            return made
        gate.wait(10)
        return held(self, *args)

    setattr(ExecutionWorker, where, hold)
    backend = get_backend("123456789012", "us-east-1")
    machine = backend.create_state_machine(name="m", roleArn="arn:aws:iam::123456789012:role/r", definition=json.dumps(
        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 100000, "End": True}}}))
    execution = backend.start_execution(machine.arn, name="e", execution_input="{}")
    threading.Timer(0.3, gate.set).start()
    if where == "_get_evaluation_environment":
        while execution.exec_worker.env is None:
            time.sleep(0.01)
    execution.stop(stop_date=datetime.datetime.now(datetime.timezone.utc), error=None, cause="early")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        events = backend.get_execution_history(execution.exec_arn)["events"]
        if events and events[-1]["type"] == "ExecutionAborted":
            break
        time.sleep(0.02)
    json.dump({"status": execution.status, "events": [e["type"] for e in events]}, sys.stdout)
''')


@pytest.mark.parametrize("speed_paths", ["on", "off"])
@pytest.mark.parametrize("held_at", ["_get_evaluation_entrypoint", "_get_evaluation_environment"])
def test_a_stop_before_the_interpreter_begins_aborts_the_execution(tmp_path, held_at, speed_paths):
    env = {**os.environ, "LAB_SANDBOX_HOME": str(tmp_path), "PYTHONPATH": str(ROOT),
           "LAB_SANDBOX_SPEED_PATHS": speed_paths}
    done = subprocess.run([sys.executable, "-c", EARLY_STOP_RUNNER, held_at], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    ended = json.loads(done.stdout)
    assert ended["status"] == "ABORTED" and ended["events"][0] == "ExecutionStarted"
    assert ended["events"][-1] == "ExecutionAborted"


def test_stop_execution_of_an_express_execution_is_invalid_arn(sfn):
    # test_sfn_api_express.py::test_start_async_describe_history_execution ("stop_execution_error")
    _, arn = create(sfn, type="EXPRESS")
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    refused(lambda: sfn.stop_execution(executionArn=execution), "InvalidArn",
            "Invalid Arn: 'Resource type not valid in this context: express'")


# -- ValidateStateMachineDefinition -----------------------------------------------------------
@pytest.mark.parametrize("definition,kind,diagnostics", [
    # test_sfn_api_validation.py::test_validate_state_machine_definition_not_a_definition[EMPTY_STRING]
    (" ", "STANDARD", [{"code": "SCHEMA_VALIDATION_FAILED", "message": "Definition must be a valid JSON object",
                        "severity": "ERROR"}]),
    # ...[NOT_A_DEF]
    ("not a definition", "STANDARD", [{
        "code": "INVALID_JSON_DESCRIPTION", "location": "[Source: (String)\"not a definition\"; line: 1, column: 4]",
        "message": "Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', "
                   "'true' or 'false')\n at [Source: (String)\"not a definition\"; line: 1, column: 4]",
        "severity": "ERROR"}]),
    # ...[EMPTY_DICT]
    ("{}", "STANDARD", [{"code": "SCHEMA_VALIDATION_FAILED", "location": "/",
                         "message": "These fields are required: [States, StartAt]", "severity": "ERROR"}]),
    # test_validate_state_machine_definition_type_standard[VALID_BASE_PASS]
    (json.dumps({"StartAt": "StartState", "States": {"StartState": {"Type": "Pass", "End": True}}}), "STANDARD", []),
    # ...[INVALID_BASE_NO_STARTAT]
    (json.dumps({"States": {"StartState": {"Type": "Pass", "End": True}}}), "EXPRESS", [{
        "code": "SCHEMA_VALIDATION_FAILED", "location": "/", "message": "These fields are required: [StartAt]",
        "severity": "ERROR"}]),
    # ...[INVALID_DOWNGRADE_QUERY_LANGUAGE]
    (json.dumps({"StartAt": "Pass", "States": {"Pass": {"Type": "Pass", "End": True, "QueryLanguage": "JSONPath"}},
                 "QueryLanguage": "JSONata"}), "STANDARD", [{
        "code": "SCHEMA_VALIDATION_FAILED", "location": "/States/Pass",
        "message": "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
        "severity": "ERROR"}]),
    # ...[VALID_QUERY_LANGUAGE_PASS] (moto's parser refused a JSONPath state in a JSONata Map)
    (json.dumps(MIXED_QUERY_LANGUAGES), "STANDARD", []),
    # test_validate_state_machine_definition_type_express[ILLEGAL_WFTT]
    (json.dumps({"StartAt": "SendMessageWithWait", "States": {"SendMessageWithWait": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl.$": "$.QueueUrl", "MessageBody": {"TaskToken.$": "$$.Task.Token"}}, "End": True}}}),
     "EXPRESS", [{"code": "SCHEMA_VALIDATION_FAILED", "location": "/States/SendMessageWithWait/Resource",
                  "message": "Express state machine does not support '.waitForTaskToken' service integration ",
                  "severity": "ERROR"}]),
])
def test_validate_state_machine_definition_answers_aws_diagnostics(sfn, definition, kind, diagnostics):
    # moto answered every ValidateStateMachineDefinition with a 500
    answer = sfn.validate_state_machine_definition(definition=definition, type=kind)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert (answer["result"], answer["diagnostics"], answer["truncated"]) == ("FAIL" if diagnostics else "OK",
                                                                             diagnostics, False)


def test_a_jsonpath_state_in_a_jsonata_map_of_a_jsonpath_machine_runs(sfn):
    # AWS accepts the definition (test_validate_state_machine_definition_type_standard[VALID_QUERY_LANGUAGE_PASS]);
    # a JSONata machine may not hold JSONPath states anywhere (...[INVALID_DOWNGRADE_QUERY_LANGUAGE])
    _, arn = create(sfn, MIXED_QUERY_LANGUAGES)
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps([{"a": 1}, {"a": 2}]))["executionArn"]
    answer = wait_for_execution(sfn, execution)
    assert (answer["status"], json.loads(answer["output"])) == ("SUCCEEDED", [{"a": 1, "r": 1}, {"a": 2, "r": 1}])
    code, message, status, _ = error_of(lambda: create(sfn, {**MIXED_QUERY_LANGUAGES, "QueryLanguage": "JSONata"}))
    assert (code, status) == ("InvalidDefinition", 400)  # the nested state's location is the sandbox's guess
    assert message.startswith("Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: 'QueryLanguage' can not "
                              "be 'JSONPath' if set to 'JSONata' for whole state machine at /States/Map/")


# -- activities ---------------------------------------------------------------------------
def test_activities_answer_as_aws_does(sfn):
    # test_sfn_api_activities.py::test_create_describe_delete_activity and ::test_describe_deleted_activity
    name = f"activity.name-{uuid.uuid4().hex[:8]}"
    created = sfn.create_activity(name=name)
    again = sfn.create_activity(name=name)
    assert (again["activityArn"], again["creationDate"]) == (created["activityArn"], created["creationDate"])
    described = sfn.describe_activity(activityArn=created["activityArn"])
    assert described["encryptionConfiguration"] == {"type": "AWS_OWNED_KEY"} and described["name"] == name
    sfn.delete_activity(activityArn=created["activityArn"])
    sfn.delete_activity(activityArn=created["activityArn"])  # deleting twice is fine
    refused(lambda: sfn.describe_activity(activityArn=created["activityArn"]), "ActivityDoesNotExist",
            f"Activity Does Not Exist: '{created['activityArn']}'")
