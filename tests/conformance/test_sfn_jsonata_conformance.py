"""JSONata, variables and $states against behaviour recorded on AWS (sfn_jsonata_cases.json).

The cases were converted from LocalStack's AWS-validated snapshot tests (see README.md): each
definition runs as a real state machine on the sandbox, after building the Lambda function it
``requires``; status, output or error and cause, the states entered and, where AWS recorded one,
the EvaluationFailed event are compared as ``test_sfn_conformance`` compares them. A Lambda
error's Cause is compared on errorType and errorMessage (its stack trace names files).
"""
from __future__ import annotations

import json
import re
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.test_sfn_conformance import (
    ACCOUNT,
    REGION,
    ROLE,
    SHAPE_PLACEHOLDERS,
    TIMESTAMP,
    assert_matches,
    create_function,
    substitute,
    without_sdk_metadata,
)

CASES: list[dict] = json.loads((Path(__file__).parent / "sfn_jsonata_cases.json").read_text())["cases"]
# This recorder masked the context object's timestamps as "date".
SHAPE_PLACEHOLDERS.setdefault("date", TIMESTAMP)


# The recorder masked a state's input quoted in a Cause: any text matches it.
JSON_INPUT_MASK = re.compile(r"<json-input:\d+>")


def case_id(case: dict) -> str:
    return f"{case['id']:02d}-{case['name']}"


@pytest.fixture(scope="module")
def role(workflow_role) -> str:
    return workflow_role


def lambda_errors_reduced(value: Any) -> Any:
    """A Lambda error JSON (in a Cause, at any depth) reduced to errorType and errorMessage."""
    if isinstance(value, dict):
        return {key: lambda_errors_reduced(item) for key, item in value.items()}
    if isinstance(value, list):
        return [lambda_errors_reduced(item) for item in value]
    if isinstance(value, str) and value.startswith("{") and "errorType" in value:
        try:
            error = json.loads(value)
        except ValueError:
            return value
        return {key: error.get(key) for key in ("errorType", "errorMessage")}
    return value


def uuids_as_shapes(expected: Any) -> Any:
    """The recorder numbered each UUID it masked (``<uuid:1>``): here, any UUID matches."""
    if isinstance(expected, dict):
        return {key: uuids_as_shapes(item) for key, item in expected.items()}
    if isinstance(expected, list):
        return [uuids_as_shapes(item) for item in expected]
    if isinstance(expected, str) and re.fullmatch(r"<uuid:\d+>", expected):
        return "generated-uuid"
    return expected


def comparable(case: dict, value: Any) -> Any:
    value = lambda_errors_reduced(value)
    if case.get("compare", "").startswith("ignore $..SdkHttpMetadata"):
        value = without_sdk_metadata(value)
    return value


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_case(case: dict, aws, role) -> None:
    run_case(case, aws, "jsonata")


def run_case(case: dict, aws, prefix: str, compare_event_types: bool = False) -> None:
    """Run one case's definition as a real state machine (named ``<prefix><id>_...``) on the sandbox
    and compare it with what AWS recorded.

    ``compare_event_types``: also compare the history's event types, in order, with the recorded
    ``expected_history_event_types`` (not done for this file's cases: three differ, see README.md).
    """
    definition_text, input_text = json.dumps(case["definition"]), json.dumps(case["input"])
    names = {"<ExecArnPart_0idx>": "", "<ArnPart_0idx>": "", "snf_role_arn": ROLE,
             "arn:<partition>:states:<region>:111111111111:": f"arn:aws:states:{REGION}:{ACCOUNT}:",
             "arn:<partition>:lambda:<region>:111111111111:": f"arn:aws:lambda:{REGION}:{ACCOUNT}:"}
    requires = case.get("requires", {})
    if "lambda_python" in requires:
        function_arn = create_function(aws, requires["lambda_python"], requires["lambda_handler"])
        function_name = function_arn.rsplit(":", 1)[1]
        for placeholder, value in (("<lambda_function_arn>", function_arn),
                                   ("<lambda_function_name>", function_name)):
            definition_text = definition_text.replace(placeholder, value)
            input_text = input_text.replace(placeholder, value)
        names.update({"lambda_function_name": function_name, "<lambda-function-name>": function_name,
                      "<lambda_function_name>": function_name})

    sfn = aws("stepfunctions")
    machine_name = f"{prefix}{case['id']}_{uuid.uuid4().hex[:8]}"  # no "-": cases split the name on it
    machine_arn = sfn.create_state_machine(name=machine_name, definition=definition_text,
                                           roleArn=ROLE)["stateMachineArn"]
    execution_name = f"run-{uuid.uuid4().hex[:8]}"
    execution_arn = sfn.start_execution(stateMachineArn=machine_arn, name=execution_name,
                                        input=input_text)["executionArn"]
    deadline = time.monotonic() + 30
    while (answer := sfn.describe_execution(executionArn=execution_arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline, "execution did not finish in 30 s"
        time.sleep(0.01)
    history = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
    names.update({"<ExecArnPart_0idx>": execution_name, "<ArnPart_0idx>": machine_name})

    assert answer["status"] == case["expected_status"], (answer.get("error"), answer.get("cause"))
    if "expected_output" in case:
        expected = uuids_as_shapes(comparable(case, substitute(case["expected_output"], names)))
        assert_matches(expected, comparable(case, json.loads(answer["output"])))
    if "expected_error" in case:
        assert answer.get("error") == case["expected_error"]
    if "expected_cause" in case:
        cause = comparable(case, substitute(case["expected_cause"], names))
        if isinstance(cause, str) and JSON_INPUT_MASK.search(cause):
            pattern = ".+".join(map(re.escape, JSON_INPUT_MASK.split(cause)))
            assert re.fullmatch(pattern, answer.get("cause", ""), re.DOTALL), answer.get("cause")
        else:
            assert comparable(case, answer.get("cause")) == cause
    if "expected_cause_json" in case:  # a Lambda error's Cause is reduced as a text one is
        assert comparable(case, answer.get("cause")) == comparable(case, json.dumps(case["expected_cause_json"]))
    if "expected_evaluation_failed" in case:
        failed = [e["evaluationFailedEventDetails"] for e in history if e["type"] == "EvaluationFailed"]
        assert failed and failed[0] == substitute(case["expected_evaluation_failed"], names), failed

    if compare_event_types and "expected_history_event_types" in case:  # Choice cases recorded none
        assert [e["type"] for e in history] == case["expected_history_event_types"]
    entered = [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e]
    if "Parallel" in definition_text or '"Map"' in definition_text:  # concurrent: order not fixed
        assert Counter(entered) == Counter(case["expected_states_entered"])
    else:
        assert entered == case["expected_states_entered"]
