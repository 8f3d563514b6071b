"""Docker-free Lambda runtime: every Invoke runs the function's real code in a warm worker process.

moto keeps Lambda functions (configuration and the deployed zip) but needs Docker to run them.
Here each function gets a pool of worker processes (``lambda_worker.py`` on the local Python,
``lambda_worker.js`` on the local ``node``): a worker imports the handler once (the cold start)
and serves invocation after invocation; overlapping invocations start more workers, up to
``LAB_LAMBDA_MAX_WORKERS`` (10) per function version and ``LAB_LAMBDA_MAX_PROCESSES`` (32) in
all (past that, the least recently used idle worker of any function is closed to make room), so
the number of processes stays laptop-sized. Past that, calls wait for a free worker (up to
``LAB_LAMBDA_QUEUE_SECONDS``, 60): AWS would have started another execution environment, so they
must not fail. Throttling (429) happens only where AWS throttles (``lambda_concurrency``): a
function's reserved concurrency reached, or the account's concurrency
(``LAB_LAMBDA_ACCOUNT_CONCURRENCY``, 1,000, less what functions reserve) in use. Idle workers
are reaped after ``LAB_LAMBDA_IDLE_SECONDS`` (300). A worker that times out or crashes is killed
and never handed out again; workers of an older code or configuration are retired. Logs go to
moto's CloudWatch Logs backend, in AWS's format, one stream per worker.

Entry points: ``handle_invoke_request`` answers ``POST /2015-03-31/functions/<name>/invocations``
before moto's own dispatch (which alone costs ~5 ms); ``invoke_function`` is the same call for
in-process callers (the Step Functions interpreter); ``install`` also routes moto's own
``invoke`` paths (its HTTP handler and its event sources: SNS, S3, SQS, EventBridge, ...) here.
"""
from __future__ import annotations

import base64
import io
import json
import math
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, UTC
from pathlib import Path
from urllib.parse import unquote

from moto.awslambda.exceptions import LambdaClientError, UnknownFunctionException
from werkzeug.wrappers import Request, Response

from . import awsapi, metrics
from .lambda_concurrency import Concurrency, account_concurrency, reservations
from .patching import replace

WORKER_PY = Path(__file__).with_name("lambda_worker.py")
WORKER_JS = Path(__file__).with_name("lambda_worker.js")
PHASE_END = b"\0LAB-LAMBDA-PHASE-END\0\n"  # written by the workers after each phase's logs
LOG_TAIL_BYTES = 4096
MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024
# A synchronous result may be 100 bytes longer than a request: AWS's error names 6291556 bytes
# (LocalStack's AWS-recorded test_lambda_too_large_response).
MAX_SYNC_RESPONSE_BYTES = MAX_SYNC_PAYLOAD_BYTES + 100
DEFAULT_ACCOUNT_ID = "123456789012"
# From the host environment, only what a process needs to run at all reaches a handler.
HOST_VARIABLES = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
INVOKE_PATH = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations/?$")

_port = 0
_pools: dict[tuple, Pool] = {}
_pools_lock = threading.Lock()
_live: set[Worker] = set()  # every worker process not yet reaped, for shutdown_all_workers
_logs_lock = threading.Lock()  # moto's logs backend is not thread-safe
_generation = 0  # bumped by shutdown_all_workers: queued Event invocations of before are dropped
_events = ThreadPoolExecutor(max_workers=16, thread_name_prefix="lambda-event")
_concurrency = Concurrency()


def max_workers() -> int:
    return int(os.environ.get("LAB_LAMBDA_MAX_WORKERS", "10"))


def idle_seconds() -> float:
    return float(os.environ.get("LAB_LAMBDA_IDLE_SECONDS", "300"))


def max_processes() -> int:
    """Worker processes alive at once across every function: what a laptop can hold."""
    return int(os.environ.get("LAB_LAMBDA_MAX_PROCESSES", "32"))


def init_seconds() -> float:
    """AWS's limit for the init phase (10 s); tests shorten it."""
    return float(os.environ.get("LAB_LAMBDA_INIT_SECONDS", "10"))


def queue_seconds() -> float:
    return float(os.environ.get("LAB_LAMBDA_QUEUE_SECONDS", "60"))


# -- errors, in Lambda's wire format ---------------------------------------------------------
class QueueTimeout(LambdaClientError):
    """No worker came free within ``LAB_LAMBDA_QUEUE_SECONDS`` (a sandbox limit, not AWS's)."""

    code = 429

    def __init__(self, waited: float):
        super().__init__("TooManyRequestsException",
                         f"Rate Exceeded. (sandbox: every worker process of this function stayed busy for "
                         f"{waited:.0f} s; raise LAB_LAMBDA_MAX_WORKERS or LAB_LAMBDA_QUEUE_SECONDS)")


class WorkersStopped(LambdaClientError):
    """The sandbox was reset or stopped while the call waited for a worker."""

    code = 500

    def __init__(self):
        super().__init__("ServiceException", "The sandbox was reset while this invocation waited for a worker.")


class RuntimeUnavailable(LambdaClientError):
    """The function's runtime cannot run on this machine (a 502, as AWS's InvalidRuntimeException)."""

    code = 502

    def __init__(self, message: str):
        super().__init__("InvalidRuntimeException", message)


# -- what a worker is started from -----------------------------------------------------------
@dataclass(frozen=True)
class FunctionSpec:
    """A function version's code and configuration; workers of an older spec are retired."""

    account_id: str
    region: str
    name: str
    version: str
    runtime: str
    handler: str
    timeout: float
    memory_size: int
    environment: tuple[tuple[str, str], ...]
    code_sha256: str
    role: str

    @property
    def key(self) -> tuple[str, str, str, str]:
        return self.account_id, self.region, self.name, self.version

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.name}"


def spec_of(fn) -> FunctionSpec:
    return FunctionSpec(
        account_id=fn.account_id, region=fn.region, name=fn.function_name, version=str(fn.version),
        runtime=fn.run_time or "", handler=fn.handler or "", timeout=float(fn.timeout),
        memory_size=int(fn.memory_size), code_sha256=fn.code_digest if fn.package_type == "Zip" else "",
        environment=tuple(sorted((str(k), str(v)) for k, v in (fn.environment_vars or {}).items())),
        role=fn.role,
    )


def worker_command(fn) -> list[str]:
    """The local program that runs this function's runtime, or a clear error when there is none."""
    runtime = fn.run_time or ""
    if fn.package_type != "Zip":
        raise RuntimeUnavailable("The sandbox runs .zip packages only: container images need Docker.")
    if runtime.startswith("python3"):
        return [sys.executable, str(WORKER_PY)]
    if runtime.startswith("nodejs"):
        node = shutil.which("node")
        if node is None:
            raise RuntimeUnavailable(
                f"The sandbox cannot run runtime {runtime}: no 'node' executable was found on PATH. "
                "Install Node.js, or deploy the function with a python3.x runtime.")
        return [node, str(WORKER_JS)]
    raise RuntimeUnavailable(
        f"The sandbox runs python3.x and nodejs runtimes only; {runtime or 'this function'!s} "
        "cannot run offline.")


def code_directory(fn) -> Path:
    """The function's zip, extracted once per code version (by its SHA-256) into the cache."""
    from .control import state_dir

    root = state_dir() / "lambda-code"
    target = root / fn.code_digest
    if target.is_dir():
        return target
    staging = root / f".{fn.code_digest}.{uuid.uuid4().hex}"
    try:
        with zipfile.ZipFile(io.BytesIO(fn.code_bytes)) as archive:
            for info in archive.infolist():
                extracted = archive.extract(info, staging)
                mode = info.external_attr >> 16
                if not info.is_dir() and mode & 0o111:  # keep executables executable
                    os.chmod(extracted, mode & 0o777)
    except zipfile.BadZipFile:
        shutil.rmtree(staging, ignore_errors=True)
        raise LambdaClientError("InvalidZipFileException",
                                "Lambda was unable to unzip the deployment package.") from None
    staging.mkdir(parents=True, exist_ok=True)  # an empty zip is still a (useless) package
    try:
        staging.rename(target)
    except OSError:  # another thread extracted the same code first
        shutil.rmtree(staging, ignore_errors=True)
    return target


def role_credentials(fn) -> dict[str, str]:
    """Temporary credentials of the function's role, as Lambda gives its handlers (moto's STS)."""
    from moto.sts.models import sts_backends
    from moto.utilities.utils import get_partition

    role = sts_backends[fn.account_id][get_partition(fn.region)].assume_role(
        region_name=fn.region, role_session_name=fn.function_name, role_arn=fn.role,
        policy="", duration=43200, external_id="")
    return {"AWS_ACCESS_KEY_ID": role.access_key_id, "AWS_SECRET_ACCESS_KEY": role.secret_access_key,
            "AWS_SESSION_TOKEN": role.session_token}


# -- one worker process ----------------------------------------------------------------------
@dataclass
class Exchange:
    """What came back from a worker for one phase (init or an invocation)."""

    message: dict | None  # None: the worker exited or timed out before answering
    logs: bytes
    timed_out: bool = False


class Worker:
    """A worker process: one execution environment of one function version."""

    def __init__(self, fn, spec: FunctionSpec):
        self.spec = spec
        self.cold = True
        self.max_memory_mb = 0
        self.last_used = time.monotonic()
        now = datetime.now(UTC)
        self.log_stream = f"{now:%Y/%m/%d}/[{spec.version}]{uuid.uuid4().hex}"
        command = worker_command(fn)
        task_root = code_directory(fn)
        answer_read, answer_write = os.pipe()
        log_read, log_write = os.pipe()
        env = self.environment(fn, spec, task_root)
        env["_LAB_LAMBDA_RESPONSE_FD"] = str(answer_write)
        try:
            self.process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=log_write, stderr=log_write,
                pass_fds=(answer_write,), cwd=task_root, env=env)
        finally:
            os.close(answer_write)
            os.close(log_write)
        self.answers, self.log_pipe = answer_read, log_read
        self._answer_buffer = b""
        self._log_buffer = b""
        with _pools_lock:
            _live.add(self)
        self.started = time.perf_counter()

    def environment(self, fn, spec: FunctionSpec, task_root: Path) -> dict[str, str]:
        env = {name: os.environ[name] for name in HOST_VARIABLES if name in os.environ}
        env.update(spec.environment)
        env.update(role_credentials(fn))
        env.update({
            "AWS_REGION": spec.region, "AWS_DEFAULT_REGION": spec.region,
            "AWS_LAMBDA_FUNCTION_NAME": spec.name, "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_size),
            "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group, "AWS_LAMBDA_LOG_STREAM_NAME": self.log_stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand", "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "LAMBDA_TASK_ROOT": str(task_root), "LAMBDA_RUNTIME_DIR": str(WORKER_PY.parent),
            "_HANDLER": spec.handler, "TZ": ":UTC",
            # Plain boto3.client("dynamodb") in a handler reaches this sandbox.
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{_port}",
        })
        return env

    def send(self, request: dict) -> bool:
        try:
            self.process.stdin.write((json.dumps(request) + "\n").encode())
            self.process.stdin.flush()
            return True
        except (BrokenPipeError, ValueError, OSError):
            return False

    def exchange(self, deadline: float) -> Exchange:
        """Wait for the worker's next answer and every log line before it, until ``deadline``."""
        poller = select.poll()
        poller.register(self.answers, select.POLLIN)
        poller.register(self.log_pipe, select.POLLIN)
        message: dict | None = None
        logs: bytes | None = None
        exited = False
        while message is None or logs is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return Exchange(None, self._take_logs(final=True), timed_out=not exited)
            for fd, _ in poller.poll(math.ceil(remaining * 1000)):
                chunk = os.read(fd, 1 << 16)
                if fd == self.answers:
                    if not chunk:  # the worker died: collect what it logged, briefly
                        poller.unregister(fd)
                        exited = True
                        deadline = min(deadline, time.monotonic() + 0.2)
                        continue
                    self._answer_buffer += chunk
                    line, newline, rest = self._answer_buffer.partition(b"\n")
                    if newline:
                        message, self._answer_buffer = json.loads(line), rest
                else:
                    if not chunk:
                        poller.unregister(fd)
                        if logs is None:
                            logs = self._take_logs(final=True)
                        continue
                    self._log_buffer += chunk
                    if logs is None:
                        logs = self._take_logs(final=False)
            if exited and logs is not None and message is None:
                return Exchange(None, logs)
        if message.get("max_memory_mb"):
            self.max_memory_mb = message["max_memory_mb"]
        return Exchange(message, logs)

    def _take_logs(self, final: bool) -> bytes | None:
        """The phase's logs once PHASE_END arrived (or everything, when the worker is gone)."""
        before, marker, after = self._log_buffer.partition(PHASE_END)
        if marker:
            self._log_buffer = after
            return before
        if final:
            self._log_buffer = b""
            return before
        return None

    @property
    def alive(self) -> bool:
        # ``killed`` first: right after kill() the process may not have exited yet, and a worker
        # that was told to die must never serve another invocation.
        return not self.killed and self.process.poll() is None

    killed = False

    def kill(self) -> None:
        """Signal the process to die now (safe from any thread); it is never used again."""
        self.killed = True
        try:
            self.process.kill()
        except OSError:
            pass

    def close(self) -> None:
        """Kill, reap and release the pipes; only by the thread that owns the worker."""
        self.kill()
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
        for fd in (self.answers, self.log_pipe):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            self.process.stdin.close()
        except OSError:
            pass
        with _pools_lock:
            _live.discard(self)

    def exit_description(self) -> str:
        """How Go's os/exec (AWS's runtime manager) words a process end."""
        try:
            code = self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:  # it closed its answer pipe but lives on: end it
            self.kill()
            code = self.process.wait()
        if code >= 0:
            return f"exit status {code}"
        try:
            name = signal.strsignal(-code) or f"signal {-code}"
        except ValueError:
            name = f"signal {-code}"
        return f"signal: {name.split(':')[0].lower()}"


# -- the pool of one function version ---------------------------------------------------------
class ProcessBudget:
    """How many worker processes live at once, across every function (``LAB_LAMBDA_MAX_PROCESSES``).

    A pool that needs a new process past the budget closes the least recently used idle worker of
    any function; when every process is busy, it waits for one (until its deadline). ``pools``,
    ``limit`` and ``clock`` are injectable for tests.
    """

    def __init__(self, pools=None, limit=max_processes, clock=time.monotonic) -> None:
        self.condition = threading.Condition()
        self.live = 0
        self.pools = pools or (lambda: list(_pools.values()))
        self.limit = limit
        self.clock = clock

    def reserve(self, deadline: float | None) -> None:
        """Count one more process, making room or waiting for it."""
        while True:
            with self.condition:
                if self.live < self.limit():
                    self.live += 1
                    return
            if self._evict_one():
                continue
            with self.condition:
                if self.live < self.limit():
                    continue
                remaining = None if deadline is None else deadline - self.clock()
                if remaining is not None and remaining <= 0:
                    raise QueueTimeout(queue_seconds())
                self.condition.wait(remaining)  # a process closes, or a worker turns idle

    def release(self) -> None:
        with self.condition:
            self.live -= 1
            self.condition.notify_all()

    def notify(self) -> None:
        with self.condition:
            self.condition.notify_all()

    def _evict_one(self) -> bool:
        idle = [(worker.last_used, index, pool, worker) for index, pool in enumerate(self.pools())
                for worker in list(pool.idle)]
        for _, _, pool, worker in sorted(idle, key=lambda entry: entry[:2]):
            if pool.take_idle(worker):
                pool.discard(worker)
                return True
        return False


_budget = ProcessBudget()


class Pool:
    """The worker processes of one function version: at most ``workers`` busy at once, and
    callers past that wait (in arrival order, roughly) for one to come back.

    ``start_worker``, ``clock`` and ``budget`` are injectable so the pool can be tested without
    processes or real time.
    """

    def __init__(self, start_worker=None, clock=time.monotonic, budget: ProcessBudget | None = None) -> None:
        self.idle: list[Worker] = []
        self.busy = 0
        self.spec: FunctionSpec | None = None
        self.closed = False
        self.condition = threading.Condition()
        self.start_worker = start_worker or Worker
        self.clock = clock
        self.budget = budget or _budget

    def acquire(self, fn, spec: FunctionSpec, workers: int, deadline: float | None) -> Worker:
        """A warm worker of the current spec, else a new one; past ``workers`` busy, wait until
        one is released (until ``deadline`` on ``clock``, None: no limit)."""
        retired: list[Worker] = []
        with self.condition:
            if spec != self.spec:  # UpdateFunctionCode/Configuration: old workers retire
                self.spec = spec
                retired = [w for w in self.idle if w.spec != spec]
                self.idle = [w for w in self.idle if w.spec == spec]
            while self.busy >= workers and not self.closed:
                remaining = None if deadline is None else deadline - self.clock()
                if remaining is not None and remaining <= 0:
                    for old in retired:
                        self.discard(old)
                    raise QueueTimeout(queue_seconds())
                self.condition.wait(remaining)
            if self.closed:
                raise WorkersStopped()
            self.busy += 1
            while self.idle and not self.idle[-1].alive:  # died while idle (a stray os._exit)
                retired.append(self.idle.pop())
            # the most recently used idle worker, so that the others can idle out; else a new one
            worker = self.idle.pop() if self.idle else None
        for old in retired:
            self.discard(old)
        if worker is None:
            try:
                self.budget.reserve(deadline)
            except BaseException:
                self.release(None, healthy=False)
                raise
            try:
                worker = self.start_worker(fn, spec)
            except BaseException:
                self.budget.release()
                self.release(None, healthy=False)
                raise
        return worker

    def release(self, worker: Worker | None, healthy: bool) -> None:
        """Give a worker back; one that is not ``healthy`` (timed out, crashed, failed to start)
        is killed and closed, never handed out again."""
        if worker is not None and not healthy:
            worker.kill()
        keep = worker is not None and healthy and worker.alive and not self.closed and worker.spec == self.spec
        with self.condition:
            self.busy -= 1
            if keep:
                worker.last_used = self.clock()
                self.idle.append(worker)
            self.condition.notify()
        if worker is not None and not keep:
            self.discard(worker)
        elif keep:
            self.budget.notify()  # a call waiting for a process may close this idle one

    def take_idle(self, worker: Worker) -> bool:
        """Remove ``worker`` from the idle ones (for the budget to close); False if it is gone."""
        with self.condition:
            if worker in self.idle:
                self.idle.remove(worker)
                return True
            return False

    def discard(self, worker: Worker) -> None:
        """Close a worker this pool no longer holds, and hand its process back to the budget."""
        worker.close()
        self.budget.release()

    def close(self) -> list[Worker]:
        """Refuse new calls, wake the waiting ones; return the idle workers to close."""
        with self.condition:
            self.closed = True
            idle, self.idle = self.idle, []
            self.condition.notify_all()
        return idle

    def reap_idle(self, older_than: float) -> None:
        with self.condition:
            stale = [w for w in self.idle if w.last_used < older_than]
            self.idle = [w for w in self.idle if w.last_used >= older_than]
        for worker in stale:
            self.discard(worker)


def pool_for(spec: FunctionSpec) -> Pool:
    with _pools_lock:
        pool = _pools.get(spec.key)
        if pool is None:
            pool = _pools[spec.key] = Pool()
        return pool


# -- one invocation ----------------------------------------------------------------------------
@dataclass
class Outcome:
    payload: bytes
    function_error: str | None
    log_lines: list[str]
    duration_ms: float = 0.0


def run(fn, payload: bytes, invoked_arn: str, request_id: str, *, wait: bool = False,
        client_context: str | None = None) -> Outcome:
    """Run one invocation on a worker of ``fn``; write its logs; return its result.

    Throttled (429) only where AWS throttles; ``wait`` (Event invocations): wait instead.
    """
    from moto.awslambda.utils import get_backend

    spec = spec_of(fn)
    reserved, reserved_elsewhere = reservations(get_backend(fn.account_id, fn.region), fn.function_name)
    try:
        ticket = _concurrency.enter(fn.account_id, fn.region, fn.function_name, reserved,
                                    reserved_elsewhere, wait=wait)
    except LambdaClientError as error:
        if error.code == 429:  # throttled where AWS throttles: Lambda's Throttles metric counts it
            metrics.lambda_throttle(spec.account_id, spec.region, spec.name)
        raise
    try:
        pool = pool_for(spec)
        workers = max_workers() if reserved is None else min(reserved, max_workers())
        deadline = None if wait else pool.clock() + queue_seconds()
        worker = pool.acquire(fn, spec, workers, deadline)
        concurrency = pool.busy  # executing now, this one included (waiting calls are not)
        healthy = False
        try:
            outcome, healthy = invoke_on(worker, spec, payload, invoked_arn, request_id, client_context)
            metrics.lambda_invocation(spec.account_id, spec.region, spec.name, outcome.duration_ms,
                                      outcome.function_error is not None, concurrency)
            return outcome
        finally:  # unhealthy (timed out, crashed, failed to start): killed; the next call starts cold
            pool.release(worker, healthy)
    finally:
        _concurrency.leave(ticket)


def invoke_on(worker: Worker, spec: FunctionSpec, payload: bytes, invoked_arn: str, request_id: str,
              client_context: str | None) -> tuple[Outcome, bool]:
    start_wall = time.time()
    lines: list[str] = []
    init_ms: float | None = None
    error: dict | None = None
    healthy = True
    if worker.cold:  # the cold start: the worker imports the handler
        init = worker.exchange(time.monotonic() + init_seconds())
        if init.timed_out:  # AWS retries the init in the invoke phase, with the function's timeout
            retried = worker.exchange(time.monotonic() + spec.timeout)
            init = Exchange(retried.message, init.logs + retried.logs, retried.timed_out)
        init_ms = (time.perf_counter() - worker.started) * 1000
        lines += split_log(init.logs)
        worker.cold = False
        if init.message is None or init.message.get("init") != "ok":
            healthy = False
            error = init_failure(worker, init, request_id, spec.timeout)
    lines.append(f"START RequestId: {request_id} Version: {spec.version}")
    started = time.perf_counter()
    status = ""
    if error is None:
        deadline_ms = int((start_wall + spec.timeout) * 1000)
        request = {"id": request_id, "arn": invoked_arn, "deadline_ms": deadline_ms,
                   "event": payload.decode("utf-8"), "client_context": client_context}
        sent = worker.send(request)
        answer = worker.exchange(time.monotonic() + spec.timeout) if sent else Exchange(None, b"")
        lines += split_log(answer.logs)
        if answer.timed_out:
            healthy = False
            now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            lines.append(f"{now} {request_id} Task timed out after {spec.timeout:.2f} seconds")
            error = {"errorMessage": f"RequestId: {request_id} Error: Task timed out after "
                                     f"{spec.timeout:.2f} seconds", "errorType": "Sandbox.Timedout"}
            status = "\tStatus: timeout"
        elif answer.message is None:
            healthy = False
            error = exit_error(worker, request_id)
            lines += [error["errorMessage"], error["errorType"]]
            status = "\tStatus: error\tError Type: Runtime.ExitError"
        elif "error" in answer.message:
            error = answer.message["error"]
        else:
            result = answer.message["payload"].encode()
    duration_ms = (time.perf_counter() - started) * 1000
    billed = math.ceil(duration_ms + (init_ms or 0))
    lines.append(f"END RequestId: {request_id}")
    report = (f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\tBilled Duration: {billed} ms\t"
              f"Memory Size: {spec.memory_size} MB\tMax Memory Used: {worker.max_memory_mb} MB\t")
    if init_ms is not None:
        report += f"Init Duration: {init_ms:.2f} ms\t"
    lines.append(report + status)
    write_logs(spec, worker.log_stream, lines, start_wall)
    if error is not None:
        return Outcome(json.dumps(error).encode(), "Unhandled", lines, duration_ms), healthy
    return Outcome(result, None, lines, duration_ms), healthy


def init_failure(worker: Worker, init: Exchange, request_id: str, timeout: float) -> dict:
    if init.timed_out:  # the retried init timed out too: the invocation's own timeout
        return {"errorMessage": f"RequestId: {request_id} Error: Task timed out after "
                                f"{timeout:.2f} seconds", "errorType": "Sandbox.Timedout"}
    if init.message is None:
        return exit_error(worker, request_id)
    return init.message["error"]


def exit_error(worker: Worker, request_id: str) -> dict:
    """A worker that ended mid-call; exiting with status 0 gives no reason (AWS's recorded words,
    LocalStack's test_lambda_handler_exit / test_lambda_runtime_exit)."""
    ending = worker.exit_description()
    reason = "without providing a reason" if ending == "exit status 0" else f"with error: {ending}"
    return {"errorMessage": f"RequestId: {request_id} Error: Runtime exited {reason}", "errorType": "Runtime.ExitError"}


def split_log(raw: bytes) -> list[str]:
    return raw.decode("utf-8", errors="replace").splitlines() if raw else []


def write_logs(spec: FunctionSpec, stream: str, lines: list[str], start_wall: float) -> None:
    """Append the invocation's lines to the worker's stream in moto's CloudWatch Logs."""
    from moto.logs.models import logs_backends

    timestamp = int(start_wall * 1000)
    events = [{"timestamp": timestamp, "message": line} for line in lines]
    with _logs_lock:
        backend = logs_backends[spec.account_id][spec.region]
        backend.ensure_log_group(spec.log_group)  # AWS recreates a deleted group too
        group = backend.groups[spec.log_group]
        if stream not in group.streams:
            group.create_log_stream(stream)
        group.put_log_events(stream, events)


# -- the Invoke API --------------------------------------------------------------------------
def invoke_function(account_id: str, region: str, function_name: str, payload: bytes,
                    invocation_type: str = "RequestResponse", qualifier: str | None = None, *,
                    log_type: str | None = None, client_context: str | None = None,
                    ) -> tuple[int, dict[str, str], bytes]:
    """Invoke a function as Lambda's Invoke API does; returns (HTTP status, headers, payload)."""
    from moto.awslambda.utils import get_backend  # moto's Docker-free backend, as configured

    try:
        fn = function_to_invoke(get_backend(account_id, region), function_name, qualifier)
        return invoke_resolved(fn, payload, invocation_type, qualifier, log_type, client_context)
    except LambdaClientError as error:
        headers = dict(error.get_headers())
        return error.code, headers, error.get_body().encode()


def function_to_invoke(backend, function_name: str, qualifier: str | None):
    """moto's function lookup, with Invoke's error: an unqualified Invoke asks for $LATEST, and
    Lambda's "Function not found: arn:...:function:<name>:$LATEST" says so (moto's omits it)."""
    try:
        return backend.get_function(function_name, qualifier)
    except UnknownFunctionException as missing:
        arn = missing.message.removeprefix("Function not found: ")
        raise UnknownFunctionException(arn if qualifier or arn.count(":") > 6 else f"{arn}:$LATEST") from None


def invoke_resolved(fn, payload: bytes, invocation_type: str, qualifier: str | None,
                    log_type: str | None, client_context: str | None) -> tuple[int, dict[str, str], bytes]:
    """Invoke a function moto has found; raises moto's Lambda errors for bad requests."""
    payload = payload or b"{}"
    try:
        json.loads(payload)
    except ValueError as error:
        raise LambdaClientError("InvalidRequestContentException",
                                # AWS's prefix (the recorded test_lambda_invoke_payload_encoding_error);
                                # the detail is Python's, not Jackson's
                                "Could not parse request body into json: Could not parse payload into json: "
                                f"{error}") from None
    if invocation_type not in ("RequestResponse", "Event", "DryRun"):
        raise LambdaClientError(
            "ValidationException", f"1 validation error detected: Value '{invocation_type}' at "
            "'invocationType' failed to satisfy constraint: Member must satisfy enum value set: "
            "[Event, RequestResponse, DryRun]")
    if invocation_type == "RequestResponse" and len(payload) > MAX_SYNC_PAYLOAD_BYTES:
        error = LambdaClientError("RequestTooLargeException",
                                  "Request must be smaller than 6291456 bytes for the InvokeFunction operation")
        error.code = 413
        raise error
    worker_command(fn)  # a runtime that cannot run here is an error now, not in the background
    request_id = str(uuid.uuid4())
    invoked_arn = f"arn:{fn.partition}:lambda:{fn.region}:{fn.account_id}:function:{fn.function_name}"
    if qualifier:
        invoked_arn += f":{qualifier}"
    headers = {"Content-Type": "application/json", "x-amzn-RequestId": request_id}
    if invocation_type == "DryRun":
        return 204, headers, b""
    if invocation_type == "Event":
        generation = _generation
        _events.submit(run_event, fn, payload, invoked_arn, request_id, generation)
        return 202, headers, b""
    outcome = run(fn, payload, invoked_arn, request_id, client_context=client_context)
    headers["X-Amz-Executed-Version"] = str(fn.version)
    if outcome.function_error:
        headers["X-Amz-Function-Error"] = outcome.function_error
    if log_type == "Tail":
        tail = ("\n".join(outcome.log_lines) + "\n").encode()[-LOG_TAIL_BYTES:]
        headers["X-Amz-Log-Result"] = base64.b64encode(tail).decode()
    if len(outcome.payload) > MAX_SYNC_RESPONSE_BYTES:
        headers["X-Amz-Function-Error"] = "Unhandled"
        outcome.payload = json.dumps({
            "errorMessage": f"Response payload size exceeded maximum allowed payload size "
                            f"({MAX_SYNC_RESPONSE_BYTES} bytes).",
            "errorType": "Function.ResponseSizeTooLarge"}).encode()
    return 200, headers, outcome.payload


def run_event(fn, payload: bytes, invoked_arn: str, request_id: str, generation: int) -> None:
    """An asynchronous (Event) invocation: queued until a worker is free, as Lambda queues it."""
    if generation != _generation:
        return
    try:
        run(fn, payload, invoked_arn, request_id, wait=True)
    except Exception as error:  # nobody waits for the answer: say it where the sandbox logs
        print(f"lambda: Event invocation {request_id} of {fn.function_name} failed: {error}",
              file=sys.stderr, flush=True)


def handle_invoke_request(request: Request) -> Response | None:
    """Answer Invoke over HTTP before moto's dispatcher (tried for POST requests only)."""
    match = INVOKE_PATH.match(request.path)
    if match is None:
        return None
    account_id, region = awsapi.caller_account_and_region(request)
    status, headers, body = invoke_function(
        account_id, region, unquote(match["name"]), request.get_data(),
        request.headers.get("X-Amz-Invocation-Type", "RequestResponse"),
        request.args.get("Qualifier"), log_type=request.headers.get("X-Amz-Log-Type"),
        client_context=decode_client_context(request.headers.get("X-Amz-Client-Context")))
    return Response(body, status=status, headers=headers)


def decode_client_context(header: str | None) -> str | None:
    return base64.b64decode(header).decode("utf-8") if header else None


# -- installation, reaping and shutdown --------------------------------------------------------
def install(port: int) -> None:
    """Route moto's Lambda invocations to this runtime and start the idle-worker reaper."""
    global _port
    _port = port
    # moto then refuses a PutFunctionConcurrency that leaves the account under 100 unreserved, as AWS does.
    os.environ.setdefault("MOTO_LAMBDA_CONCURRENCY_QUOTA", str(account_concurrency()))
    from moto.awslambda import models
    from moto.awslambda_simple.models import LambdaSimpleBackend

    def backend_invoke(backend, function_name, qualifier, body, headers, response_headers):
        # moto's own HTTP handler (when reached) and moto-internal callers (EventBridge, ...).
        fn = function_to_invoke(backend, function_name, qualifier)
        return _moto_invoke(fn, body, headers, response_headers, qualifier)

    def function_invoke(fn, body, request_headers, response_headers):
        # moto's event sources call LambdaFunction.invoke directly (SNS, S3, SQS, DynamoDB streams).
        return _moto_invoke(fn, body, request_headers, response_headers, None)

    # With use_docker off moto serves Lambda from LambdaSimpleBackend, whose invoke echoes.
    replace(models.LambdaBackend, "invoke", backend_invoke)
    replace(LambdaSimpleBackend, "invoke", backend_invoke)
    replace(models.LambdaFunction, "invoke", function_invoke)
    threading.Thread(target=_reap_idle_workers, name="lambda-reaper", daemon=True).start()


def _moto_invoke(fn, body, request_headers, response_headers, qualifier) -> bytes:
    payload = body.encode() if isinstance(body, str) else (body or b"")
    _, headers, result = invoke_resolved(
        fn, payload, request_headers.get("X-Amz-Invocation-Type", "RequestResponse"), qualifier,
        request_headers.get("X-Amz-Log-Type"), None)
    response_headers.update({name.lower(): value for name, value in headers.items()})
    return result


def _reap_idle_workers() -> None:
    while True:
        idle = idle_seconds()
        time.sleep(min(max(idle / 4, 0.05), 10))
        with _pools_lock:
            pools = list(_pools.values())
        for pool in pools:
            pool.reap_idle(time.monotonic() - idle)


def stats() -> dict[str, int]:
    """Invocations in flight (running or waiting for a worker) and live worker processes."""
    with _pools_lock:
        workers = len(_live)
    return {"in_flight": _concurrency.total(), "workers": workers}


def shutdown_all_workers() -> None:
    """Kill every worker now (reset and server exit); queued Event invocations are dropped."""
    global _generation
    with _pools_lock:
        _generation += 1
        pools = list(_pools.values())
        _pools.clear()
        live = list(_live)
    for pool in pools:
        for worker in pool.close():
            pool.discard(worker)
    for worker in live:  # busy ones: their invoking threads see them die and clean up
        worker.kill()
