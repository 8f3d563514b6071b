"""The JSONata functions Step Functions adds, and JSONata's own, in a running state machine.

The AWS-recorded cases (tests/conformance/sfn_jsonata_cases.json) cover $partition, $range and
$parse; these check the other added functions against what AWS documents for them
($hash's digests are the algorithms' own, $uuid is a v4 UUID, $random with a seed repeats).
"""
from __future__ import annotations

import hashlib
import json
import re
import time
import uuid

from tests.conformance.test_sfn_conformance import ROLE


def run_output(aws, output: dict, execution_input: dict | None = None) -> dict:
    definition = {"QueryLanguage": "JSONata", "StartAt": "Evaluate",
                  "States": {"Evaluate": {"Type": "Pass", "Output": output, "End": True}}}
    sfn = aws("stepfunctions")
    arn = sfn.create_state_machine(name=f"jsonata-{uuid.uuid4().hex[:10]}", definition=json.dumps(definition),
                                   roleArn=ROLE)["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(execution_input or {}))["executionArn"]
    deadline = time.monotonic() + 20
    while (answer := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return answer


def test_step_functions_functions(aws, workflow_role):
    answer = run_output(aws, {
        "sha256": "{% $hash($states.input.text, 'SHA-256') %}",
        "md5": "{% $hash($states.input.text, 'MD5') %}",
        "uuid": "{% $uuid() %}",
        "seeded": "{% $random(42) = $random(42) %}",
        "unseeded": "{% $random() %}",
        "parsed": "{% $parse($states.input.json).a %}",
        "chunks": "{% $partition([1, 2, 3, 4, 5], 2) %}",
    }, {"text": "order-123", "json": "{\"a\": [1, 2]}"})
    assert answer["status"] == "SUCCEEDED", answer.get("cause")
    output = json.loads(answer["output"])
    assert output["sha256"] == hashlib.sha256(b"order-123").hexdigest()
    assert output["md5"] == hashlib.md5(b"order-123").hexdigest()
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", output["uuid"])
    assert output["seeded"] is True and 0 <= output["unseeded"] < 1
    assert output["parsed"] == [1, 2] and output["chunks"] == [[1, 2], [3, 4], [5]]


def test_jsonata_builtins_and_variables_with_quotes(aws, workflow_role):
    """A string variable holding quotes reaches JSONata intact (moto pasted variables into the
    expression text), and JSONata's own functions work on workflow data."""
    sfn = aws("stepfunctions")
    definition = {"QueryLanguage": "JSONata", "StartAt": "Remember", "States": {
        "Remember": {"Type": "Pass", "Assign": {"note": "{% $states.input.note %}"}, "Next": "Use"},
        "Use": {"Type": "Pass", "End": True, "Output": {
            "note": "{% $note %}", "upper": "{% $uppercase($note) %}",
            "total": "{% $sum($states.input.items.(price * quantity)) %}"}}}}
    arn = sfn.create_state_machine(name=f"jsonata-{uuid.uuid4().hex[:10]}", definition=json.dumps(definition),
                                   roleArn=ROLE)["stateMachineArn"]
    note = 'She said "it\'s fine"; ($x := 1)'
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(
        {"note": note, "items": [{"price": 2.5, "quantity": 2}, {"price": 10, "quantity": 1}]}))["executionArn"]
    deadline = time.monotonic() + 20
    while (answer := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert answer["status"] == "SUCCEEDED", answer.get("cause")
    assert json.loads(answer["output"]) == {"note": note, "upper": note.upper(), "total": 15}


def test_eval_is_not_available_and_errors_name_the_field(aws, workflow_role):
    answer = run_output(aws, {"value": "{% $eval('1 + 1') %}"})
    assert answer["status"] == "FAILED" and answer["error"] == "States.QueryEvaluationError"
    assert "specified for the field 'Output/value' threw an error during evaluation. T1006" in answer["cause"]


def test_a_branch_or_iteration_error_keeps_its_name(aws, workflow_role):
    """A States error inside a Parallel branch or Map iteration fails the state with that error,
    which its Catch can name (moto turned it into States.Runtime "Custom Error Names MUST NOT ...")."""
    inner = {"StartAt": "Read", "States": {"Read": {"Type": "Pass", "Output": "{% $states.input.nothing %}",
                                                    "End": True}}}
    catch = [{"ErrorEquals": ["States.QueryEvaluationError"], "Next": "Caught"}]
    sfn = aws("stepfunctions")
    for state in ({"Type": "Parallel", "Branches": [inner], "Catch": catch, "End": True},
                  {"Type": "Map", "Items": "{% [1, 2] %}", "ItemProcessor": inner, "Catch": catch, "End": True}):
        definition = {"QueryLanguage": "JSONata", "StartAt": "Fan", "States": {
            "Fan": state, "Caught": {"Type": "Pass", "Output": "{% $states.input.Error %}", "End": True}}}
        arn = sfn.create_state_machine(name=f"jsonata-{uuid.uuid4().hex[:10]}", definition=json.dumps(definition),
                                       roleArn=ROLE)["stateMachineArn"]
        execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
        deadline = time.monotonic() + 20
        while (answer := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert answer["status"] == "SUCCEEDED", (state["Type"], answer.get("cause"))
        assert json.loads(answer["output"]) == "States.QueryEvaluationError", state["Type"]
