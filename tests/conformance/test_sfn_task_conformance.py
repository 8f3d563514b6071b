"""Task results and errors against AWS recordings (sfn_task_cases.json).

Each case runs as a real state machine on the sandbox (a Standard execution, or StartSyncExecution
for an Express one) after building the Lambda function or DynamoDB table it ``requires``. The
output (``SdkHttpMetadata`` included), the error and cause, the states entered and every Task's
result are compared with AWS's. The recorder masked request ids, dates and trace ids: a masked
value matches any value here, everything else (header names, lengths, status codes) must agree.
A Lambda error's Cause is compared on errorType and errorMessage (its stack trace names files).
"""
from __future__ import annotations

import json
import re
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.test_sfn_conformance import ACCOUNT, REGION, ROLE, create_function
from tests.conformance.test_sfn_jsonata_conformance import lambda_errors_reduced

CASES: list[dict] = json.loads((Path(__file__).parent / "sfn_task_cases.json").read_text())["cases"]
MASKED = re.compile(r"<[^<>]+>")
TIMESTAMPS = ("date", "datetime")


def case_id(case: dict) -> str:
    return f"{case['id']:02d}-{case['name']}"


@pytest.fixture(scope="module")
def role(workflow_role) -> str:
    return workflow_role


def matches(expected: Any, actual: Any, where: str = "$", key: str | None = None) -> None:
    """``actual`` is what AWS recorded as ``expected``, masks aside."""
    if isinstance(expected, str) and (expected == key or expected in TIMESTAMPS):
        assert actual not in (None, "", []), f"{where}: nothing for a masked value"
    elif isinstance(expected, dict):
        assert isinstance(actual, dict) and expected.keys() == actual.keys(), \
            f"{where}: keys {sorted(actual) if isinstance(actual, dict) else actual!r} != {sorted(expected)}"
        for name in expected:
            matches(expected[name], actual[name], f"{where}.{name}", name)
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(expected) == len(actual), f"{where}: {actual!r}"
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            matches(want, got, f"{where}[{index}]", key)
    elif isinstance(expected, str) and MASKED.search(expected):
        pattern = "".join(".+?" if MASKED.fullmatch(part) else re.escape(part)
                          for part in re.split(r"(<[^<>]+>)", expected))
        assert isinstance(actual, str) and re.fullmatch(pattern, actual, re.DOTALL), \
            f"{where}: {actual!r} !~ {expected!r}"
    else:
        assert expected == actual and type(expected) is type(actual), f"{where}: {actual!r} != {expected!r}"


def build(case: dict, aws) -> tuple[str, str, dict[str, str]]:
    """The definition and input with this run's resources in them, and the names to expect."""
    definition, input_text = json.dumps(case["definition"]), json.dumps(case["input"])
    names: dict[str, str] = {}
    requires = case.get("requires", {})
    if "lambda_python" in requires:
        arn = create_function(aws, requires["lambda_python"], requires["lambda_handler"])
        names.update({"<lambda_function_arn>": arn, "<lambda_function_name>": arn.rsplit(":", 1)[1],
                      "lambda_function_name": arn.rsplit(":", 1)[1]})
    table = f"sfn-case-{uuid.uuid4().hex[:10]}"
    if "dynamodb_table" in requires:
        key = requires["dynamodb_table"]["partition_key"]
        aws("dynamodb").create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                                     KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
                                     AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}])
    names.update({"<table_name>": table, "table-name": table})
    for placeholder in ("<lambda_function_arn>", "<lambda_function_name>", "<table_name>"):
        if placeholder in names:
            definition = definition.replace(placeholder, names[placeholder])
            input_text = input_text.replace(placeholder, names[placeholder])
    return definition, input_text, names


def expected_value(value: Any, names: dict[str, str]) -> Any:
    text = json.dumps(value)
    for placeholder in ("table-name", "lambda_function_name", "<lambda_function_name>"):
        if placeholder in names:
            text = text.replace(f'"{placeholder}"', json.dumps(names[placeholder]))
    text = text.replace("arn:<partition>:lambda:<region>:111111111111:", f"arn:aws:lambda:{REGION}:{ACCOUNT}:")
    text = text.replace(":111111111111:", f":{ACCOUNT}:")
    return recorded_errors_reduced(json.loads(text))


def recorded_errors_reduced(value: Any) -> Any:
    """``lambda_errors_reduced`` for recorded text the recorder's masking left unparsable
    (``"requestId":<request-id>"``): errorType and errorMessage are read from the text."""
    if isinstance(value, dict):
        return {key: recorded_errors_reduced(item) for key, item in value.items()}
    if isinstance(value, list):
        return [recorded_errors_reduced(item) for item in value]
    if isinstance(value, str) and value.startswith("{") and '"errorType"' in value:
        fields = dict(re.findall(r'"(errorType|errorMessage)":\s*"((?:[^"\\]|\\.)*)"', value))
        return {key: json.loads(f'"{fields[key]}"') for key in ("errorType", "errorMessage")}
    return value


def reduced_error(value: Any) -> Any:
    """A Lambda error recorded parsed (a dict): its errorType and errorMessage."""
    if isinstance(value, dict) and "errorType" in value:
        return {key: value.get(key) for key in ("errorType", "errorMessage")}
    return value


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_case(case: dict, aws, role) -> None:
    definition, input_text, names = build(case, aws)
    sfn = aws("stepfunctions")
    machine_type = "EXPRESS" if case["kind"] == "express_sync" else "STANDARD"
    machine_arn = sfn.create_state_machine(name=f"task{case['id']}-{uuid.uuid4().hex[:8]}", definition=definition,
                                           roleArn=ROLE, type=machine_type)["stateMachineArn"]
    if case["kind"] == "express_sync":
        answer = sfn.start_sync_execution(stateMachineArn=machine_arn, input=input_text)
        answer = {key: value for key, value in answer.items() if key != "ResponseMetadata"}
        for field in ("input", "output"):
            if field in answer:
                answer[field] = json.loads(answer[field])
        expected = expected_value(case["expected_sync_answer"], names)
        billing = expected.pop("billingDetails")
        assert answer.pop("billingDetails").keys() == billing.keys()
        matches(expected, lambda_errors_reduced(answer))
        return

    execution_arn = sfn.start_execution(stateMachineArn=machine_arn, input=input_text)["executionArn"]
    deadline = time.monotonic() + 30
    while (answer := sfn.describe_execution(executionArn=execution_arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline, "execution did not finish in 30 s"
        time.sleep(0.01)
    history = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
    assert answer["status"] == case["expected_status"], (answer.get("error"), answer.get("cause"))
    if "expected_output" in case:
        matches(expected_value(case["expected_output"], names), lambda_errors_reduced(json.loads(answer["output"])))
    if "expected_error" in case:
        assert answer["error"] == case["expected_error"]
        matches(reduced_error(expected_value(case["expected_cause"], names)), lambda_errors_reduced(answer["cause"]))
    results = [json.loads(e["taskSucceededEventDetails"]["output"]) for e in history if e["type"] == "TaskSucceeded"]
    matches(expected_value(case["expected_task_results"], names), results, "$tasks")
    entered = [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e]
    assert entered == case["expected_states_entered"]
