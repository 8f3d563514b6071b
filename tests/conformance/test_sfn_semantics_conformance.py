"""Error handling, JSONPath input/output processing, the base states and the context object against
behaviour recorded on AWS (sfn_semantics_cases.json).

The cases were captured from LocalStack's AWS-validated snapshot tests as the JSONata ones were (see
README.md), and each runs exactly as ``test_sfn_jsonata_conformance`` runs its cases.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conformance.test_sfn_jsonata_conformance import case_id, run_case

CASES: list[dict] = json.loads((Path(__file__).parent / "sfn_semantics_cases.json").read_text())["cases"]


@pytest.fixture(scope="module")
def role(workflow_role) -> str:
    return workflow_role


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_case(case: dict, aws, role) -> None:
    run_case(case, aws, "semantics")
