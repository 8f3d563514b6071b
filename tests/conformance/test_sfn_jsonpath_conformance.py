"""JSONPath intrinsic functions and Choice operators against behaviour recorded on AWS.

The cases (sfn_jsonpath_cases.json) were converted from LocalStack's AWS-validated snapshot tests
in ``v2/intrinsic_functions/`` (not the ``*_jsonata`` ones) and ``v2/choice_operators/`` (see
README.md). Each runs as ``test_sfn_jsonata_conformance`` runs its cases, on two sandboxes as
``test_sfn_conformance`` does: speed paths on, and off. A case without a Choice state also
compares the history's event types with the recorded ones.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conformance.test_sfn_conformance import SHAPE_PLACEHOLDERS, aws, role, sandbox  # noqa: F401
from tests.conformance.test_sfn_jsonata_conformance import case_id, run_case

CASES: list[dict] = json.loads((Path(__file__).parent / "sfn_jsonpath_cases.json").read_text())["cases"]
# States.MathRandom's result, which the recorder masked: AWS returns an integer.
SHAPE_PLACEHOLDERS.setdefault("RandomNumberGenerated", lambda value: type(value) is int)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_case(case: dict, aws, role) -> None:  # noqa: F811 (the fixtures imported above)
    run_case(case, aws, "jsonpath", compare_event_types=True)
