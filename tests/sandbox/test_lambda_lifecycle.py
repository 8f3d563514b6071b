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

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from aws_sandbox import control
from tests.conftest import free_port
from tests.sandbox.test_lambda_support import GATED, deploy, process_alive, wait_for

# Two worker processes per function and an account concurrency of 3, so the queue and the account
# limit are reached with a handful of calls.
SETTINGS = {"LAB_LAMBDA_IDLE_SECONDS": "1", "LAB_LAMBDA_MAX_WORKERS": "2", "LAB_LAMBDA_ACCOUNT_CONCURRENCY": "3",
            "LAB_LAMBDA_INIT_SECONDS": "1"}  # and an init phase of 1 s, not 10
SLEEPER = {"app.py": """
    import os, time
    def handler(event, context):
        time.sleep(event.get("sleep", 0))
        return os.getpid()
"""}

@pytest.fixture(scope="module")
def own_sandbox(tmp_path_factory):
    """(endpoint, port, server pid) of a sandbox of this module's own."""
    home = tmp_path_factory.mktemp("lambda-lifecycle")
    port = free_port()
    with control.environment_set({**SETTINGS, "LAB_SANDBOX_HOME": str(home)}):
        url = control.start(port)
    yield url, port, int((home / f"sandbox-{port}.pid").read_text())
    with control.environment_set({"LAB_SANDBOX_HOME": str(home)}):
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
    # Idle time is 1 s here; only "eventually reaped" is asserted (warm reuse is tested elsewhere,
    # where no reaper runs in between; the reaper's arithmetic is tested with a fake clock).
    name = deploy(aws, SLEEPER)
    pid = invoke(aws, name)
    wait_for(lambda: not process_alive(pid), timeout=60)
    assert invoke(aws, name) != pid  # a cold start again


SLOW_INIT = {"app.py": """
    import os, time
    time.sleep(float(os.environ["INIT_SECONDS"]))  # module level: the init phase
    def handler(event, context):
        return "ready"
"""}


def test_an_init_slower_than_the_init_limit_is_retried_within_the_function_timeout(aws):
    slow = deploy(aws, SLOW_INIT, Timeout=60, Environment={"Variables": {"INIT_SECONDS": "2"}})
    assert invoke(aws, slow) == "ready"  # 2 s of init: past the (1 s here) init limit, well within 60 s
    hopeless = deploy(aws, SLOW_INIT, Timeout=2, Environment={"Variables": {"INIT_SECONDS": "60"}})
    error = invoke(aws, hopeless)
    assert error["errorType"] == "Sandbox.Timedout"
    assert error["errorMessage"].endswith("Task timed out after 2.00 seconds")


def lambda_stats(own_sandbox) -> dict:
    return control.status(own_sandbox[1], timeout=10)["lambda"]


def gated_calls(aws, name: str, gate, count: int) -> tuple[list[threading.Thread], list]:
    results: list = []

    def call():
        try:
            results.append(invoke(aws, name, {"gate": str(gate)}))
        except ClientError as error:
            results.append(error.response["Error"]["Code"])

    threads = [threading.Thread(target=call, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads, results


def test_calls_past_the_worker_processes_wait_for_one_instead_of_being_throttled(aws, own_sandbox, tmp_path):
    name = deploy(aws, GATED)
    gate = tmp_path / "open"
    threads, results = gated_calls(aws, name, gate, 3)
    wait_for(lambda: len(list(tmp_path.iterdir())) == 2, timeout=60)  # both workers run a call
    wait_for(lambda: lambda_stats(own_sandbox)["in_flight"] == 3, timeout=60)  # the third waits
    assert len(list(tmp_path.iterdir())) == 2  # ... for a worker: there are only two
    gate.touch()
    for thread in threads:
        thread.join(timeout=120)
    started = {path.read_text() for path in tmp_path.iterdir() if path != gate}
    assert len(results) == 3 and all(isinstance(pid, int) for pid in results), results
    assert {str(pid) for pid in results} == started and len(started) == 2  # the third reused one


def test_past_the_account_concurrency_calls_are_throttled_as_aws_does(aws, own_sandbox, tmp_path):
    name, other = deploy(aws, GATED), deploy(aws, GATED)
    gate = tmp_path / "open"
    threads, results = gated_calls(aws, name, gate, 2)
    more, more_results = gated_calls(aws, other, gate, 1)
    wait_for(lambda: lambda_stats(own_sandbox)["in_flight"] == 3, timeout=60)
    with pytest.raises(ClientError) as caught:  # a fourth call, to either function: 1,000 on AWS, 3 here
        invoke(aws, other, {"gate": str(gate)})
    gate.touch()
    for thread in threads + more:
        thread.join(timeout=120)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert caught.value.response["Reason"] == "ConcurrentInvocationLimitExceeded"
    assert all(isinstance(pid, int) for pid in results + more_results)
    assert isinstance(invoke(aws, other, {"gate": str(gate)}), int)  # units are handed back


def test_reset_kills_every_worker_fast(aws, own_sandbox):
    control.reset(own_sandbox[1])  # moto's first reset of its backends is slow, and not ours
    name = deploy(aws, SLEEPER, Timeout=60)
    idle_pid = invoke(aws, name)
    busy = in_background(aws, name, {"sleep": 30})
    wait_for(lambda: lambda_stats(own_sandbox)["in_flight"] == 1, timeout=60)
    seconds = control.reset(own_sandbox[1])
    assert seconds < 20  # it does not wait for the busy worker's 30 s
    busy.join(timeout=20)
    assert not busy.is_alive()
    wait_for(lambda: not process_alive(idle_pid), timeout=30)
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


NODE_GATED = {"index.js": """
const fs = require('fs');
const path = require('path');
exports.handler = async (event, context) => {
  fs.writeFileSync(path.join(path.dirname(event.gate), context.awsRequestId), String(process.pid));
  while (!fs.existsSync(event.gate)) await new Promise((done) => setTimeout(done, 10));
  return process.pid;
};
"""}


def test_workers_die_with_the_sandbox_process(aws, own_sandbox, tmp_path):
    # Busy workers (a gate that never opens), so none is reaped (idle time is 1 s here) before the
    # kill; an idle worker ends the same way, when its stdin closes.
    gate = tmp_path / "never-opened"
    in_background(aws, deploy(aws, GATED, Timeout=120), {"gate": str(gate)})
    expected = 1
    if shutil.which("node"):
        node = deploy(aws, NODE_GATED, runtime="nodejs20.x", handler="index.handler", Timeout=120)
        in_background(aws, node, {"gate": str(gate)})
        expected = 2
    wait_for(lambda: len(list(tmp_path.iterdir())) == expected, timeout=60)  # each handler has started
    started = {int(path.read_text()) for path in tmp_path.iterdir()}
    assert started <= set(worker_pids(own_sandbox[2]))
    os.kill(own_sandbox[2], signal.SIGKILL)  # not `stop`: nobody gets to clean up
    wait_for(lambda: not any(process_alive(pid) for pid in started), timeout=30)
