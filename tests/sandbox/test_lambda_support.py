"""Helpers for the Lambda runtime tests: deploy functions with boto3, as a user would (no tests here)."""
from __future__ import annotations

import io
import textwrap
import time
import uuid
import zipfile

TRUST_POLICY = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
                '"Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}')


# Runs until the test opens the gate (a file), after saying it started (a file named by its request
# id, holding its pid): a test can hold invocations in flight without guessing how long anything takes.
GATED = {"app.py": """
    import os, pathlib, time
    def handler(event, context):
        gate = pathlib.Path(event["gate"])
        (gate.parent / context.aws_request_id).write_text(str(os.getpid()))
        for _ in range(12000):  # 120 s at most
            if gate.exists():
                break
            time.sleep(0.01)
        return os.getpid()
"""}


def zip_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, source in files.items():
            archive.writestr(name, textwrap.dedent(source))
    return buffer.getvalue()


def role_arn(iam) -> str:
    try:
        return iam.get_role(RoleName="lambda-test-role")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        return iam.create_role(RoleName="lambda-test-role", AssumeRolePolicyDocument=TRUST_POLICY)["Role"]["Arn"]


def deploy(aws, files: dict[str, str], *, runtime: str = "python3.12", handler: str = "app.handler",
           **config) -> str:
    """Create a function with a unique name from ``files``; return its name."""
    name = f"fn-{uuid.uuid4().hex[:10]}"
    aws("lambda").create_function(FunctionName=name, Runtime=runtime, Role=role_arn(aws("iam")),
                                  Handler=handler, Code={"ZipFile": zip_of(files)}, **config)
    return name


def wait_for(check, timeout: float = 30.0, interval: float = 0.05):
    """Poll ``check`` until it returns something truthy; fail loudly after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


def process_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return "\nState:\tZ" not in status.read()
    except FileNotFoundError:
        return False
