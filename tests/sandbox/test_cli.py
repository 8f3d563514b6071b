"""The sandbox's command-line contract: start, status, reset, stop."""
from __future__ import annotations

import subprocess
import sys
import time

import boto3

from aws_sandbox import control

from tests.conftest import ROOT, free_port
from tests.sandbox.test_lambda_support import wait_for


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aws_sandbox", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_start_status_reset_stop(tmp_path, monkeypatch, request):
    monkeypatch.setenv("LAB_SANDBOX_HOME", str(tmp_path))
    port = str(free_port())
    request.addfinalizer(lambda: control.stop(int(port)))  # a failed assertion leaves no sandbox behind
    started = time.perf_counter()
    first = run_cli("start", "--port", port)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == f"http://127.0.0.1:{port}"
    assert time.perf_counter() - started < control.READY_TIMEOUT_SECONDS  # a busy machine may be slow; it must not hang

    again = run_cli("start", "--port", port)  # a no-op on a running sandbox
    assert again.returncode == 0 and again.stdout.strip() == first.stdout.strip()
    pid = control.status(int(port))["pid"]

    ddb = boto3.client("dynamodb", endpoint_url=first.stdout.strip(), region_name="eu-west-3",
                       aws_access_key_id="any", aws_secret_access_key="thing")
    ddb.create_table(TableName="things", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}])
    assert run_cli("status", "--port", port).returncode == 0

    reset = run_cli("reset", "--port", port)
    assert reset.returncode == 0, reset.stderr
    assert ddb.list_tables()["TableNames"] == []

    worker_pid = invoke_a_function(first.stdout.strip())  # a warm Lambda worker is alive
    assert worker_pid != pid and process_alive(worker_pid)

    assert run_cli("stop", "--port", port).returncode == 0
    assert run_cli("status", "--port", port).returncode == 1
    wait_for(lambda: not process_alive(pid) and not process_alive(worker_pid), timeout=30)  # nothing left behind


def invoke_a_function(endpoint: str) -> int:
    """Deploy a handler that answers its own pid, invoke it, return that pid."""
    import io
    import json
    import zipfile

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("app.py", "import os\ndef handler(event, context):\n    return os.getpid()\n")
    kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    role = boto3.client("iam", **kw).create_role(RoleName="cli-test", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam = boto3.client("lambda", **kw)
    lam.create_function(FunctionName="pid", Runtime="python3.11", Role=role, Handler="app.handler",
                        Code={"ZipFile": archive.getvalue()})
    return json.loads(lam.invoke(FunctionName="pid")["Payload"].read())


def process_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return "zombie" not in status.read().lower()
    except FileNotFoundError:
        return False


def test_binds_loopback_only(sandbox_port):
    import socket

    with socket.socket() as s:
        s.settimeout(0.5)
        # Every non-loopback address of this host must refuse the port.
        host_ip = socket.gethostbyname(socket.gethostname())
        if host_ip.startswith("127."):
            return
        assert s.connect_ex((host_ip, sandbox_port)) != 0


def test_reset_without_sandbox_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("LAB_SANDBOX_HOME", str(tmp_path))
    result = run_cli("reset", "--port", str(free_port()))
    assert result.returncode == 1
    assert "no sandbox answers" in result.stderr
