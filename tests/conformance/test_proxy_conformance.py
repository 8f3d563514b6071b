"""Lambda proxy responses against behaviour recorded on AWS (tests/conformance/proxy_cases.json).

As the recording did: one REST API, ``ANY /{proxy+}`` with an AWS_PROXY integration to a function
that returns the request body parsed as JSON, so each case POSTs the answer it wants back.
"""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
import requests

CASES: list[dict] = json.loads((Path(__file__).parent / "proxy_cases.json").read_text())["cases"]
RETURN_BODY = """import json
def handler(event, context):
    if event["body"] is None:
        raise ValueError("no body: this is the function error case")
    return json.loads(event["body"])
"""


@pytest.fixture(scope="module")
def proxy_url(aws, sandbox, workflow_role):
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("handler.py", RETURN_BODY)
    function_arn = aws("lambda").create_function(
        FunctionName="proxy-conformance", Runtime="python3.12", Role=workflow_role, Handler="handler.handler",
        Code={"ZipFile": package.getvalue()})["FunctionArn"]
    apigw = aws("apigateway")
    api_id = apigw.create_rest_api(name="proxy-conformance")["id"]
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    resource = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="{proxy+}")["id"]
    apigw.put_method(restApiId=api_id, resourceId=resource, httpMethod="ANY", authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=resource, httpMethod="ANY", type="AWS_PROXY",
                          integrationHttpMethod="POST",
                          uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations")
    apigw.create_deployment(restApiId=api_id, stageName="test")
    return f"{sandbox}/_aws/execute-api/{api_id}/test/test"


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['id']:02d}-{c['name']}")
def test_proxy_response_case(proxy_url, case):
    returns = case["function_returns"]
    answer = requests.post(proxy_url, data=None if returns is None else json.dumps(returns), timeout=30)
    assert answer.status_code == case["expected_status"]
    expected = case["expected_body"]
    assert (answer.json() if isinstance(expected, dict) else answer.text) == expected
    # One header line each (not one line per value). Names compare case-insensitively, as HTTP
    # says they do: the sandbox's server writes them title-cased (aws_sandbox/README.md).
    for name, value in (case.get("expected_headers") or {}).items():
        assert answer.raw.headers.getlist(name) == [value], name
