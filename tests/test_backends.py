"""The localstack and aws code paths, run against a sandbox standing in for the real thing.

``LAB_BACKEND=localstack`` with ``AWS_ENDPOINT_URL`` at a sandbox is exactly how the kit talks
to LocalStack (the sandbox speaks its invoke URL forms). ``LAB_BACKEND=aws`` with the same
``AWS_ENDPOINT_URL`` runs the real-account code path — the account guard, tagging, waiters and
the amazonaws.com invoke URL — against the sandbox instead of AWS. What only a real account can
show (IAM evaluation, propagation delays, real DNS and TLS) is listed in the README.
"""
from __future__ import annotations

import pytest
import requests

import lab_helpers as lab
from lab_helpers import backend

SANDBOX_ACCOUNT = "123456789012"
ORDER = {"orderId": "standin-1", "userId": "validuser456", "items": [{"productId": "prod-1", "quantity": 2}]}


@pytest.fixture
def on_backend(sandbox, monkeypatch):
    """Switch lab_helpers to ``backend`` (with its own prefix), the endpoint being the test sandbox."""
    def switch(name: str, prefix: str) -> None:
        monkeypatch.setenv("LAB_BACKEND", name)
        monkeypatch.setenv("LAB_PREFIX", prefix)
        monkeypatch.setenv("AWS_ENDPOINT_URL", sandbox)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")  # the credential chain of a real user
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    backend._client.cache_clear()
    backend._caller_account.cache_clear()
    yield switch
    backend._client.cache_clear()
    backend._caller_account.cache_clear()


def test_localstack_backend_runs_the_workshop(on_backend, sandbox):
    on_backend("localstack", "lsbackend")
    assert lab.describe_backend() == {"backend": "localstack", "endpoint": sandbox, "region": "us-east-1",
                                      "account": SANDBOX_ACCOUNT, "prefix": "lsbackend"}
    ws = lab.ensure_workshop(upto=5)
    assert ws.api_url == f"{sandbox}/_aws/execute-api/{ws.api_id}/prod"
    placed = lab.post_json(f"{ws.api_url}/orders", ORDER)
    assert placed.status == 200, placed.body
    assert lab.wait_for_execution(placed.body["executionArn"])["status"] == "SUCCEEDED"
    # LocalStack's other invoke URL form reaches the same deployed stage
    legacy = requests.get(f"{sandbox}/restapis/{ws.api_id}/prod/_user_request_/orders/standin-1/status", timeout=30)
    assert legacy.json() == {"orderId": "standin-1", "status": "completed", "orderTotal": 59.98}
    assert "REST API lsbackend-orders-api" in lab.delete_everything()


def test_aws_backend_guard_creates_nothing_in_an_unconfirmed_account(on_backend, monkeypatch, aws):
    on_backend("aws", "awsguard")
    monkeypatch.setenv("LAB_AWS_ACCOUNT", "999999999999")  # not the account the credentials are in
    with pytest.raises(lab.LabConfigError, match=f"LAB_AWS_ACCOUNT={SANDBOX_ACCOUNT}"):
        lab.ensure_workshop(upto=2)
    assert not [t for t in aws("dynamodb").list_tables()["TableNames"] if t.startswith("awsguard-")]
    assert not [r for r in aws("iam").list_roles()["Roles"] if r["RoleName"].startswith("awsguard-")]


def test_aws_backend_tags_waits_and_uses_amazonaws_invoke_urls(on_backend, monkeypatch, sandbox, aws):
    on_backend("aws", "awsstandin")
    monkeypatch.setenv("LAB_AWS_ACCOUNT", SANDBOX_ACCOUNT)
    ws = lab.ensure_workshop(upto=5)  # the table and function waiters ran on the way
    n = lab.names()
    want = {"workshop": "api-composition", "lab-prefix": "awsstandin"}
    table_arn = aws("dynamodb").describe_table(TableName=n.orders_table)["Table"]["TableArn"]
    tagged = {
        "table": {t["Key"]: t["Value"] for t in aws("dynamodb").list_tags_of_resource(ResourceArn=table_arn)["Tags"]},
        "function": aws("lambda").list_tags(Resource=ws.functions[n.user_service])["Tags"],
        "role": {t["Key"]: t["Value"] for t in aws("iam").list_role_tags(RoleName=n.states_role)["Tags"]},
        "state machine": {t["key"]: t["value"] for t in aws("stepfunctions").list_tags_for_resource(
            resourceArn=ws.state_machine_arn)["tags"]},
        "api": aws("apigateway").get_rest_api(restApiId=ws.api_id).get("tags", {}),
    }
    assert {kind: want.items() <= tags.items() for kind, tags in tagged.items()} == dict.fromkeys(tagged, True)
    assert ws.api_url == f"https://{ws.api_id}.execute-api.us-east-1.amazonaws.com/prod"
    # The URL's parts name the deployed API and stage: call them through the sandbox's path form
    # (it serves amazonaws.com hosts to Step Functions only, not over HTTP).
    host, stage = ws.api_url.removeprefix("https://").split("/", 1)
    api_id, _, region_host = host.partition(".execute-api.")
    assert (api_id, region_host) == (ws.api_id, "us-east-1.amazonaws.com")
    placed = requests.post(f"{sandbox}/_aws/execute-api/{api_id}/{stage}/orders", json=ORDER, timeout=30)
    assert placed.status_code == 200, placed.text
    assert placed.json()["executionArn"].endswith(":awsstandin-order-workflow:standin-1")
    deleted = lab.delete_everything()
    assert {"REST API awsstandin-orders-api", "state machine awsstandin-order-workflow",
            "table awsstandin-orders", "role awsstandin-states-role"} <= set(deleted)
