"""What a Standard execution keeps: one snapshot of its machine per revision, its history compacted
when it closes (GetExecutionHistory answers in full, as before), and at most
``LAB_SANDBOX_SFN_CLOSED_EXECUTIONS`` closed executions per machine, oldest dropped first."""
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

from aws_sandbox import control
from aws_sandbox.stepfunctions.executions import CLOSED_EXECUTIONS_ENV

ROOT = Path(__file__).resolve().parents[2]
ROLE = "arn:aws:iam::123456789012:role/sfn-memory-test"
PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"ok": True}, "ResultPath": "$.r", "End": True}}}
# Waits an hour on AWS, 36 s in the tests' time scale: running for the whole test.
HOLD = {"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 3600, "End": True}}}
# Most kinds of history event: Pass, Choice, Parallel, Map, a caught Fail, Wait, Succeed.
VARIED = {"StartAt": "Start", "States": {
    "Start": {"Type": "Pass", "Parameters": {"items.$": "$.items", "n": 1}, "Next": "Pick"},
    "Pick": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "Both"}],
             "Default": "Done"},
    "Both": {"Type": "Parallel", "ResultPath": "$.both", "Next": "Each", "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "a", "End": True}}},
        {"StartAt": "B", "States": {"B": {"Type": "Fail", "Error": "Oops", "Cause": "on purpose"}}}],
        "Catch": [{"ErrorEquals": ["Oops"], "ResultPath": "$.caught", "Next": "Each"}]},
    "Each": {"Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.each", "Next": "Pause",
             "Iterator": {"StartAt": "Double", "States": {"Double": {"Type": "Pass", "End": True}}}},
    "Pause": {"Type": "Wait", "Seconds": 0, "Next": "Done"},
    "Done": {"Type": "Succeed"}}}


@pytest.fixture(scope="module")
def sfn(aws):
    return aws("stepfunctions")


def machine(sfn, definition: dict) -> str:
    return sfn.create_state_machine(name=f"mem-{uuid.uuid4().hex[:10]}", definition=json.dumps(definition),
                                    roleArn=ROLE)["stateMachineArn"]


def run(sfn, machine_arn: str, execution_input: dict | None = None, name: str | None = None) -> str:
    extra = {"name": name} if name else {}
    arn = sfn.start_execution(stateMachineArn=machine_arn, input=json.dumps(execution_input or {}),
                              **extra)["executionArn"]
    wait_for_execution(sfn, arn)
    return arn


def error_code(call) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"]


# -- the history of a closed execution, against the interpreter's own --------------------------
# In a process of its own, with the sandbox's patches: each execution's history as moto's live
# Environment gives it at the end, and as GetExecutionHistory answers it afterwards.
HISTORY_RUNNER = textwrap.dedent('''
    import json, pickle, sys, time, zlib
    from moto.stepfunctions.models import StateMachine
    from moto.stepfunctions.responses import StepFunctionResponse
    from aws_sandbox import moto_patches
    from aws_sandbox.stepfunctions import executions

    moto_patches.install(1)
    moto_patches.install_deferred()
    live = {}
    closing = executions._ClosedEnvironment.__init__

    def record(self, env, state_machine):
        live[env.states.context_object.context_object_data["Execution"]["Id"]] = env.event_manager.get_event_history()
        closing(self, env, state_machine)

    executions._ClosedEnvironment.__init__ = record
    from moto.stepfunctions.responses import get_backend
    backend = get_backend("123456789012", "us-east-1")
    definitions = json.loads(sys.stdin.read())
    results = []
    for definition, execution_input in definitions:
        machine = backend.create_state_machine(name=f"m{len(results)}", definition=json.dumps(definition),
                                               roleArn="arn:aws:iam::123456789012:role/r")
        checks = []
        for name in ("first", "second"):  # the second is compressed against the first's dictionary
            execution = backend.start_execution(machine.arn, name=name, execution_input=json.dumps(execution_input))
            deadline = time.monotonic() + 60
            while execution.status == "RUNNING" and time.monotonic() < deadline:
                time.sleep(0.01)
            # the status flips first; the Environment is let go just after
            while type(execution.exec_worker.env).__name__ != "_ClosedEnvironment" and time.monotonic() < deadline:
                time.sleep(0.01)
            answered = backend.get_execution_history(execution.exec_arn)["events"]
            same_twice = backend.get_execution_history(execution.exec_arn)["events"] == answered
            recorded = live[execution.exec_arn]
            serialised = [json.dumps(events, default=repr, sort_keys=True) for events in (recorded, answered)]
            checks.append({"status": execution.status, "equal": live[execution.exec_arn] == answered,
                           "same_twice": same_twice, "serialised_equal": serialised[0] == serialised[1],
                           "events": [e["type"] for e in answered],
                           "released": type(execution.exec_worker.env).__name__,
                           "compressed_bytes": len(execution.exec_worker.env.event_manager._data),
                           "alone_bytes": len(zlib.compress(pickle.dumps(recorded, protocol=5), 6))})
        results.append({**checks[0], "second": checks[1]})
    # executions of one revision share one snapshot of the machine
    first = backend.start_execution(machine.arn, name="f1", execution_input="{}")
    second = backend.start_execution(machine.arn, name="f2", execution_input="{}")
    old_definition = machine.definition
    backend.update_state_machine(machine.arn, definition=json.dumps(definitions[0][0]))
    third = backend.start_execution(machine.arn, name="f3", execution_input="{}")
    results.append({"shared": first.state_machine is second.state_machine,
                    "renewed": third.state_machine is not second.state_machine,
                    "third_runs_new": third.state_machine.definition == json.dumps(definitions[0][0]),
                    "second_kept_old": second.state_machine.definition == old_definition != machine.definition})
    json.dump(results, sys.stdout)
''')


@pytest.fixture(scope="module")
def histories(tmp_path_factory) -> list[dict]:
    env = {**os.environ, "LAB_SANDBOX_HOME": str(tmp_path_factory.mktemp("history")), "PYTHONPATH": str(ROOT)}
    env.pop("LAB_SANDBOX_SFN_TIME_SCALE", None)
    cases = [[VARIED, {"items": [1, {"x": "é"}, None]}], [PASS, {"big": "x" * 5000}],
             [{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "c"}}}, {}]]
    done = subprocess.run([sys.executable, "-c", HISTORY_RUNNER], env=env, cwd=ROOT, capture_output=True,
                          text=True, input=json.dumps(cases), timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_closed_execution_answers_its_history_exactly_as_the_interpreter_recorded_it(histories):
    varied, large, failed, _ = histories
    assert [varied["status"], large["status"], failed["status"]] == ["SUCCEEDED", "SUCCEEDED", "FAILED"]
    for case in (varied, large, failed, varied["second"], large["second"], failed["second"]):
        assert case["equal"] and case["serialised_equal"] and case["same_twice"]
        assert case["released"] == "_ClosedEnvironment"  # frames, heap and states let go
    # a second execution of a machine is compressed against the first one's history: far smaller
    assert varied["second"]["compressed_bytes"] < varied["second"]["alone_bytes"] / 2
    assert {"ParallelStateStarted", "MapIterationSucceeded", "WaitStateExited", "ExecutionSucceeded"} <= set(
        varied["events"])
    assert failed["events"][-1] == "ExecutionFailed"


def test_executions_of_one_revision_share_one_snapshot_of_the_machine(histories):
    assert histories[-1] == {"shared": True, "renewed": True, "third_runs_new": True, "second_kept_old": True}


def test_the_name_check_still_refuses_a_used_name_and_answers_a_running_retry(sfn):
    arn = machine(sfn, PASS)
    run(sfn, arn, {"a": 1}, name="once")
    assert error_code(lambda: sfn.start_execution(stateMachineArn=arn, name="once", input='{"a": 1}')) \
        == "ExecutionAlreadyExists"
    holding = machine(sfn, HOLD)
    first = sfn.start_execution(stateMachineArn=holding, name="retry", input="{}")["executionArn"]
    try:
        assert sfn.start_execution(stateMachineArn=holding, name="retry", input="{}")["executionArn"] == first
        assert error_code(lambda: sfn.start_execution(stateMachineArn=holding, name="retry", input='{"b": 2}')) \
            == "ExecutionAlreadyExists"
    finally:
        sfn.stop_execution(executionArn=first)


# -- the cap on closed executions -----------------------------------------------------------------
@pytest.fixture(scope="module")
def capped_sfn():
    """A sandbox of its own that keeps 3 closed executions per state machine."""
    with control.temporary(**{CLOSED_EXECUTIONS_ENV: "3", "LAB_SANDBOX_SFN_TIME_SCALE": "0.01"}) as url:
        yield clients(url)("stepfunctions")


def test_past_the_cap_the_oldest_closed_executions_are_dropped(capped_sfn):
    sfn = capped_sfn
    arn = machine(sfn, PASS)
    holding = machine(sfn, HOLD)
    running = sfn.start_execution(stateMachineArn=holding, input="{}")["executionArn"]
    finished = [run(sfn, arn, {"n": n}) for n in range(5)]
    # an execution is filed as closed just after its status flips: the drop follows at once
    deadline = time.monotonic() + 10
    while len(sfn.list_executions(stateMachineArn=arn)["executions"]) > 3:
        assert time.monotonic() < deadline, "the oldest closed executions were not dropped"
        time.sleep(0.01)
    try:
        for dropped in finished[:2]:
            assert error_code(lambda arn=dropped: sfn.describe_execution(executionArn=arn)) == "ExecutionDoesNotExist"
            assert error_code(lambda arn=dropped: sfn.get_execution_history(executionArn=arn)) \
                == "ExecutionDoesNotExist"
        for kept in finished[2:]:
            assert sfn.describe_execution(executionArn=kept)["status"] == "SUCCEEDED"
            assert sfn.get_execution_history(executionArn=kept)["events"][-1]["type"] == "ExecutionSucceeded"
        listed = [e["executionArn"] for e in sfn.list_executions(stateMachineArn=arn)["executions"]]
        assert listed == finished[:1:-1]  # newest first
        # the cap is per machine and counts closed executions only: the running one stays
        assert sfn.describe_execution(executionArn=running)["status"] == "RUNNING"
    finally:
        sfn.stop_execution(executionArn=running)
    assert sfn.describe_execution(executionArn=running)["status"] == "ABORTED"  # at once, as on AWS


def test_the_cap_is_read_from_the_environment():
    from aws_sandbox.stepfunctions import executions

    saved = os.environ.get(CLOSED_EXECUTIONS_ENV)
    try:
        os.environ[CLOSED_EXECUTIONS_ENV] = "25"
        assert executions.closed_executions_kept() == 25
        del os.environ[CLOSED_EXECUTIONS_ENV]
        assert executions.closed_executions_kept() == executions.DEFAULT_CLOSED_EXECUTIONS
    finally:
        if saved is not None:
            os.environ[CLOSED_EXECUTIONS_ENV] = saved
