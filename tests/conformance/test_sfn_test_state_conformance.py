"""TestState against answers recorded on AWS (sfn_test_state_cases.json).

Each case's request goes to the sandbox's TestState through boto3, after building the Lambda
function it ``requires``; the answer (or the error code and message) is compared with AWS's.
AWS's recorder masked names, ARNs' partition/region/account and timestamps: a masked string
here matches any value of that shape. ``output`` and ``inspectionData`` values are JSON text
on the wire and were recorded parsed; they are compared parsed.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from tests.conformance.test_sfn_conformance import ROLE, create_function

CASES: list[dict] = json.loads((Path(__file__).parent / "sfn_test_state_cases.json").read_text())["cases"]
TIMESTAMP = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z"
MASKS = {"<partition>": "aws", "<region>": r"[a-z0-9-]+", "111111111111": r"\d{12}"}


def case_id(case: dict) -> str:
    return f"{case['id']:02d}-{case['name']}"


@pytest.fixture(scope="module")
def role(workflow_role) -> str:
    return workflow_role


def pattern_of(expected: str) -> re.Pattern[str] | None:
    """A regular expression for a masked string (None if nothing in it is masked)."""
    if expected == "date":
        return re.compile(TIMESTAMP)
    if not re.search(r"<[a-z0-9_-]+(:\d+)?>|111111111111", expected):
        return None
    parts = re.split(r"(<[a-z0-9_-]+(?::\d+)?>|111111111111)", expected)
    regex = "".join(MASKS.get(part, r"[^:/\"]+") if index % 2 else re.escape(part)
                    for index, part in enumerate(parts))
    return re.compile(regex)


def masked_names(key: str) -> tuple[str, str]:
    """What the recorder wrote for a field's masked value: its name (Date), or its name in
    kebab case (start-date for StartDate)."""
    return key, re.sub(r"(?<!^)(?=[A-Z])", "-", key).lower()


def assert_like(expected: Any, actual: Any, where: str = "$", key: str | None = None) -> None:
    if isinstance(expected, str) and key and expected in masked_names(key):  # masked with its own name
        assert actual not in (None, "", []), f"{where}: nothing for a masked value"
    elif expected == "date" and key == "Date":  # an HTTP Date header (the context's dates are ISO)
        assert actual not in (None, "", []), f"{where}: {actual!r}"
    elif isinstance(expected, str) and isinstance(actual, list) and expected.startswith("["):
        assert_like(json.loads(expected), actual, where, key)  # the recorder parsed objects, not arrays
    elif isinstance(expected, dict):
        assert isinstance(actual, dict) and expected.keys() == actual.keys(), f"{where}: {actual!r}"
        for name in expected:
            assert_like(expected[name], actual[name], f"{where}.{name}", name)
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(expected) == len(actual), f"{where}: {actual!r}"
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            assert_like(want, got, f"{where}[{index}]", key)
    elif isinstance(expected, str) and (pattern := pattern_of(expected)) is not None:
        assert isinstance(actual, str) and pattern.fullmatch(actual), f"{where}: {actual!r} !~ {expected!r}"
    else:
        assert expected == actual and type(expected) is type(actual), f"{where}: {actual!r} != {expected!r}"


def parsed(answer: dict) -> dict:
    """The answer as the recorder stored it: output and inspection data parsed from JSON."""
    answer = {key: value for key, value in answer.items() if key != "ResponseMetadata"}
    if "output" in answer:
        answer["output"] = json.loads(answer["output"])
    if "inspectionData" in answer:
        answer["inspectionData"] = {
            key: json.loads(value) if isinstance(value, str) else value
            for key, value in answer["inspectionData"].items()}
    return answer


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_case(case: dict, aws, role) -> None:
    request_text = json.dumps(case["request"]).replace("<role_arn>", ROLE)
    requires = case.get("requires", {})
    if "lambda_python" in requires:
        function_arn = create_function(aws, requires["lambda_python"], requires["lambda_handler"])
        request_text = (request_text.replace("<lambda_function_arn>", function_arn)
                        .replace("<lambda_function_name>", function_arn.rsplit(":", 1)[1]))
    request = json.loads(request_text)
    sfn = aws("stepfunctions")
    if "expected_error" in case:
        expected = case["expected_error"]
        with pytest.raises((ClientError, ParamValidationError)) as raised:
            sfn.test_state(**request)
        if expected["code"] == "ParamValidationError":
            assert isinstance(raised.value, ParamValidationError)
            return
        error = raised.value.response["Error"]
        assert (error["Code"], error["Message"]) == (expected["code"], expected["message"])
        return
    assert_like(case["expected"], parsed(sfn.test_state(**request)))
