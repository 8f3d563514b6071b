"""Only the learner's own machine gets in: DNS rebinding and cross-origin pages are refused.

Requests are sent as a hostile page would make a browser send them (its Host, Origin and
Sec-Fetch-Site headers), to the real sandbox.
"""
from __future__ import annotations

import json
import uuid

import pytest
import requests

from tests.sandbox.test_lambda_support import role_arn, zip_of

# What moto would accept as CreateFunction from its path alone: no signature needed.
FORGED_SIGNATURE = ("AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/lambda/aws4_request, "
                    "SignedHeaders=host, Signature=0")


def create_function_body(aws, name: str) -> str:
    import base64

    code = zip_of({"app.py": "import os\ndef handler(event, context):\n    return os.getpid()\n"})
    return json.dumps({"FunctionName": name, "Runtime": "python3.12", "Role": role_arn(aws("iam")),
                       "Handler": "app.handler", "Code": {"ZipFile": base64.b64encode(code).decode()}})


def function_exists(aws, name: str) -> bool:
    return name in [fn["FunctionName"] for fn in aws("lambda").list_functions()["Functions"]]


@pytest.mark.parametrize("host", ["rebind.attacker.example", "rebind.attacker.example:{port}", "{port}.0.0.127.nip.io",
                                  "abc123.execute-api.us-east-1.amazonaws.com", "localhost.attacker.example",
                                  "127.0.0.1.attacker.example", ""])
def test_a_request_for_a_foreign_host_name_is_refused_before_any_routing(sandbox, sandbox_port, aws, host):
    name = f"rebound-{uuid.uuid4().hex[:8]}"
    answer = requests.post(f"{sandbox}/2015-03-31/functions", data=create_function_body(aws, name), timeout=30,
                           headers={"Host": host.format(port=sandbox_port), "Authorization": FORGED_SIGNATURE,
                                    "Content-Type": "application/json"})
    assert answer.status_code == 403
    assert "serves this machine only" in answer.json()["message"]
    assert not function_exists(aws, name)


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "127.0.0.1", "localhost:{port}", "LOCALHOST", "127.9.8.7:{port}",
                                  "[::1]:{port}", "abc123.execute-api.localhost.localstack.cloud:{port}"])
def test_loopback_names_and_the_invoke_url_host_are_served(sandbox, sandbox_port, host):
    answer = requests.get(f"{sandbox}/_sandbox/health", headers={"Host": host.format(port=sandbox_port)}, timeout=30)
    assert answer.status_code == 200 and answer.json()["status"] == "running"


def test_the_invoke_url_host_reaches_the_data_plane(sandbox, sandbox_port):
    answer = requests.get(f"{sandbox}/prod/orders", timeout=30,
                          headers={"Host": f"abc123.execute-api.localhost.localstack.cloud:{sandbox_port}"})
    assert answer.status_code == 404, answer.text
    assert answer.json()["message"].startswith("The API id 'abc123' does not correspond to a deployed API")


def test_a_cross_origin_page_cannot_create_or_invoke_a_function(sandbox, aws):
    name = f"csrf-{uuid.uuid4().hex[:8]}"
    # A <form> or fetch(..., {mode: "no-cors"}) POST: a "simple" request, sent without a preflight.
    answer = requests.post(f"{sandbox}/2015-03-31/functions", data=create_function_body(aws, name), timeout=30,
                           headers={"Content-Type": "text/plain", "Origin": "https://attacker.example",
                                    "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"})
    assert answer.status_code == 403
    assert "other origins" in answer.json()["message"]
    assert not function_exists(aws, name)


@pytest.mark.parametrize("headers", [{"Origin": "https://attacker.example"}, {"Origin": "null"},
                                     {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                                     {"Origin": "http://localhost:8888"}])
@pytest.mark.parametrize("route", ["reset", "shutdown"])
def test_admin_routes_refuse_cross_origin_requests(sandbox, aws, route, headers):
    marker = f"kept-{uuid.uuid4().hex[:8]}"
    aws("sqs").create_queue(QueueName=marker)
    answer = requests.post(f"{sandbox}/_sandbox/{route}", headers=headers, timeout=30)
    assert answer.status_code == 403
    assert requests.get(f"{sandbox}/_sandbox/health", timeout=30).status_code == 200  # still running
    assert any(url.endswith(marker) for url in aws("sqs").list_queues().get("QueueUrls", []))  # nothing wiped


def test_the_sandbox_itself_as_origin_is_served(sandbox):
    answer = requests.get(f"{sandbox}/_sandbox/health", headers={"Origin": sandbox, "Sec-Fetch-Site": "same-origin"},
                          timeout=30)
    assert answer.status_code == 200


def test_no_permissive_cors_headers_and_no_preflight_allowed(sandbox, aws):
    answer = aws("lambda").list_functions()
    assert not any(h.lower().startswith("access-control-")
                   for h in answer["ResponseMetadata"]["HTTPHeaders"])
    preflight = requests.options(f"{sandbox}/2015-03-31/functions", timeout=30, headers={
        "Origin": "https://attacker.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type"})
    assert preflight.status_code == 403
    assert "Access-Control-Allow-Origin" not in preflight.headers
    plain = requests.get(f"{sandbox}/_sandbox/health", timeout=30)
    assert "Access-Control-Allow-Origin" not in plain.headers


def test_invoke_urls_serve_cross_origin_callers_as_api_gateway_does(sandbox):
    answer = requests.get(f"{sandbox}/_aws/execute-api/abc123/prod/orders", timeout=30,
                          headers={"Origin": "https://attacker.example", "Sec-Fetch-Site": "cross-site"})
    assert answer.status_code == 404  # the data plane answered (no such API), not the guard
    assert "does not correspond" in answer.json()["message"]
