"""Lambda worker processes: reaping, bounds, reset, and nothing left behind when the sandbox dies.

These tests run on their own sandbox, started with a short idle time and a small worker bound,
because they kill it at the end.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import threading
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from aws_sandbox import control
from tests.conftest import free_port
from tests.sandbox.test_lambda_support import deploy, process_alive, wait_for

SETTINGS = {"LAB_LAMBDA_IDLE_SECONDS": "1", "LAB_LAMBDA_MAX_WORKERS": "2"}
SLEEPER = {"app.py": """
    import os, time
    def handler(event, context):
        time.sleep(event.get("sleep", 0))
        return os.getpid()
"""}


@contextlib.contextmanager
def environment(values: dict[str, str]):
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="module")
def own_sandbox(tmp_path_factory):
    """(endpoint, port, server pid) of a sandbox of this module's own."""
    home = tmp_path_factory.mktemp("lambda-lifecycle")
    port = free_port()
    with environment({**SETTINGS, "LAB_SANDBOX_HOME": str(home)}):
        url = control.start(port)
    yield url, port, int((home / f"sandbox-{port}.pid").read_text())
    with environment({"LAB_SANDBOX_HOME": str(home)}):
        control.stop(port)


@pytest.fixture(scope="module")
def aws(own_sandbox):
    config = Config(inject_host_prefix=False, retries={"max_attempts": 0}, read_timeout=70)

    def client(service: str):
        return boto3.client(service, endpoint_url=own_sandbox[0], region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test", config=config)

    return client


def invoke(aws, name: str, event=None):
    response = aws("lambda").invoke(FunctionName=name, Payload=json.dumps(event or {}).encode())
    return json.loads(response["Payload"].read())


def in_background(aws, name: str, event: dict) -> threading.Thread:
    def call():
        with contextlib.suppress(ClientError, BotoCoreError):  # the test kills it on purpose
            invoke(aws, name, event)

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    return thread


def test_idle_workers_are_reaped(aws):
    name = deploy(aws, SLEEPER)
    pid = invoke(aws, name)
    assert invoke(aws, name) == pid  # warm while used
    wait_for(lambda: not process_alive(pid), timeout=5)
    assert invoke(aws, name) != pid  # a cold start again


def test_overlapping_invocations_beyond_the_worker_bound_are_throttled(aws):
    name = deploy(aws, SLEEPER)
    busy = [in_background(aws, name, {"sleep": 0.8}) for _ in range(2)]
    time.sleep(0.4)
    with pytest.raises(ClientError) as caught:
        invoke(aws, name)
    for thread in busy:
        thread.join()
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert caught.value.response["Reason"] == "ConcurrentInvocationLimitExceeded"


def test_reset_kills_every_worker_fast(aws, own_sandbox):
    control.reset(own_sandbox[1])  # moto's first reset of its backends is slow, and not ours
    name = deploy(aws, SLEEPER, Timeout=60)
    idle_pid = invoke(aws, name)
    busy = in_background(aws, name, {"sleep": 30})
    time.sleep(0.3)
    seconds = control.reset(own_sandbox[1])
    assert seconds < 1
    busy.join(timeout=2)
    assert not busy.is_alive()
    wait_for(lambda: not process_alive(idle_pid), timeout=1)
    assert worker_pids(own_sandbox[2]) == []


def worker_pids(server_pid: int) -> list[int]:
    """The live Lambda worker processes started by the sandbox process ``server_pid``."""
    pids = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                is_worker = b"lambda_worker." in cmdline.read()
        except OSError:
            continue
        if parent == server_pid and is_worker and process_alive(int(entry)):
            pids.append(int(entry))
    return pids


def test_workers_die_with_the_sandbox_process(aws, own_sandbox):
    python = deploy(aws, SLEEPER, Timeout=60)
    in_background(aws, python, {"sleep": 30})  # a busy worker
    wait_for(lambda: worker_pids(own_sandbox[2]))
    pids = [invoke(aws, python)]  # and an idle one
    if shutil.which("node"):
        node = deploy(aws, {"index.js": "exports.handler = async () => process.pid;\n"},
                      runtime="nodejs20.x", handler="index.handler")
        pids.append(invoke(aws, node))
    workers = wait_for(lambda: len(worker_pids(own_sandbox[2])) > len(pids) and worker_pids(own_sandbox[2]))
    assert set(pids) < set(workers)
    os.kill(own_sandbox[2], signal.SIGKILL)  # not `stop`: nobody gets to clean up
    wait_for(lambda: not any(process_alive(pid) for pid in workers), timeout=5)
