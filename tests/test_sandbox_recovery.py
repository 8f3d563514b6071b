"""A dead sandbox is recovered, or explained: the next helper call starts it again and says what
to re-run, or says which command starts it."""
from __future__ import annotations

import os
import signal

import pytest

import lab_helpers as lab
from aws_sandbox import control
from lab_helpers import backend
from tests.conftest import free_port
from tests.sandbox.test_lambda_support import wait_for


@pytest.fixture
def own_sandbox(tmp_path, monkeypatch):
    """A sandbox of this test's own, which the test kills; the helpers point at it."""
    monkeypatch.setenv("LAB_SANDBOX_HOME", str(tmp_path))
    port = free_port()
    url = control.start(port)
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    monkeypatch.setenv("LAB_BACKEND", "sandbox")
    yield url, port
    control.stop(port)


def kill(port: int) -> None:
    os.kill(control.status(port)["pid"], signal.SIGKILL)  # as a crash would: nobody cleans up
    wait_for(lambda: control.status(port) is None, timeout=30)


def test_a_client_call_after_the_sandbox_died_restarts_it_and_says_what_to_run(own_sandbox):
    url, port = own_sandbox
    sts = lab.client("sts")  # held in a variable, as a notebook cell would
    assert sts.get_caller_identity()["Account"] == "123456789012"
    kill(port)
    with pytest.raises(backend.SandboxRestarted, match="re-run this notebook from its first cell"):
        sts.get_caller_identity()
    assert control.status(port) is not None  # running again
    assert sts.get_caller_identity()["Account"] == "123456789012"


def test_the_http_helper_after_the_sandbox_died_restarts_it_too(own_sandbox):
    url, port = own_sandbox
    assert lab.get(f"{url}/_sandbox/health").status == 200
    kill(port)
    with pytest.raises(backend.SandboxRestarted):
        lab.get(f"{url}/_aws/execute-api/abc123/prod/orders")
    assert lab.get(f"{url}/_sandbox/health").status == 200


def test_when_it_cannot_be_started_the_error_names_the_command(monkeypatch, tmp_path):
    port = free_port()  # nothing listens here
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("LAB_BACKEND", "sandbox")

    def cannot_start(port):
        raise control.SandboxError("the sandbox exited at start (code 1)")

    monkeypatch.setattr(control, "start", cannot_start)
    with pytest.raises(backend.SandboxDown, match=f"python -m aws_sandbox start --port {port}"):
        lab.client("sts").get_caller_identity()


def test_other_endpoints_keep_botocores_own_errors(monkeypatch):
    from botocore.exceptions import EndpointConnectionError

    monkeypatch.setenv("LAB_BACKEND", "localstack")
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(EndpointConnectionError):
        lab.client("sts").get_caller_identity()
