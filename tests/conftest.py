"""Fixtures: one real sandbox process per test session (``control.temporary``), reached with boto3;
a second one with the speed paths off, for the conformance cases; one wait for an execution."""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aws_sandbox import control  # noqa: E402
from aws_sandbox.patching import SPEED_PATHS_ENV  # noqa: E402
from aws_sandbox.stepfunctions.semantics import TIME_SCALE_ENV  # noqa: E402

REGION = "us-east-1"
WORKFLOW_ROLE_NAME = "sandbox-tests-workflow"
free_port = control.free_port


@pytest.fixture(scope="session")
def sandbox():
    """A running sandbox: yields its endpoint URL; stopped (with its workers) at the end."""
    # Retry and Wait delays run 100x faster, so the AWS-recorded retry cases take milliseconds.
    os.environ[TIME_SCALE_ENV] = "0.01"
    with control.temporary() as url:
        yield url


@pytest.fixture(scope="session")
def sandbox_without_speed_paths(sandbox):
    """A second sandbox with every speed path off (moto's own code instead), fixes kept."""
    with control.temporary(**{SPEED_PATHS_ENV: "off"}) as url:
        yield url


def clients(endpoint: str):
    """``clients(endpoint)("lambda")`` gives a boto3 client on that sandbox, as a user would build it."""
    config = Config(inject_host_prefix=False, retries={"max_attempts": 0}, read_timeout=70)

    def client(service: str, **kwargs):
        return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                            aws_access_key_id="test", aws_secret_access_key="test",
                            config=config, **kwargs)

    return client


def ensure_workflow_role(aws) -> str:
    """ARN of a role Lambda and Step Functions may assume (CreateFunction checks that it exists)."""
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"Service": ["lambda.amazonaws.com", "states.amazonaws.com"]}}]}
    iam = aws("iam")
    try:
        return iam.create_role(RoleName=WORKFLOW_ROLE_NAME,
                               AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        return iam.get_role(RoleName=WORKFLOW_ROLE_NAME)["Role"]["Arn"]


def wait_for_execution(sfn, execution_arn: str, timeout: float = 60.0) -> dict:
    """DescribeExecution's answer once the execution has left RUNNING (bounded poll)."""
    deadline = time.monotonic() + timeout
    while (answer := sfn.describe_execution(executionArn=execution_arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline, f"execution still running after {timeout:.0f} s"
        time.sleep(0.01)
    return answer


@pytest.fixture(scope="session")
def sandbox_port(sandbox) -> int:
    return int(sandbox.rsplit(":", 1)[1])


@pytest.fixture(scope="session")
def aws(sandbox):
    """``aws("lambda")`` gives a boto3 client on the sandbox, as a user would build it."""
    return clients(sandbox)


@pytest.fixture(scope="module")
def lab_env(sandbox, request):
    """Point ``lab_helpers`` at the test sandbox, with the module's own ``PREFIX`` for names."""
    patch = pytest.MonkeyPatch()
    patch.setenv("AWS_ENDPOINT_URL", sandbox)
    patch.setenv("LAB_BACKEND", "sandbox")
    patch.setenv("LAB_PREFIX", request.module.PREFIX)
    yield sandbox
    patch.undo()


@pytest.fixture(scope="session")
def workflow_role(aws) -> str:
    return ensure_workflow_role(aws)
