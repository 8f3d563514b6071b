"""Start, find, reset and stop a sandbox process (the CLI and the teaching helpers use this).

A started sandbox runs detached in its own process group (its Lambda workers are in the
same group, so ``stop`` ends them all), writes its log to ``<state dir>/sandbox-<port>.log``
and its pid to ``<state dir>/sandbox-<port>.pid``. The state dir is ``$LAB_SANDBOX_HOME``,
else ``~/.cache/lab-sandbox``.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from collections.abc import Iterator

from . import DEFAULT_PORT

READY_TIMEOUT_SECONDS = 30.0


class SandboxError(RuntimeError):
    """The sandbox could not be started, reached or stopped."""


def state_dir() -> Path:
    path = Path(os.environ.get("LAB_SANDBOX_HOME") or Path.home() / ".cache" / "lab-sandbox")
    path.mkdir(parents=True, exist_ok=True)
    return path


def endpoint(port: int = DEFAULT_PORT) -> str:
    return f"http://127.0.0.1:{port}"


def status(port: int = DEFAULT_PORT, timeout: float = 1.0) -> dict | None:
    """The sandbox's health answer, or None when nothing sandbox-like answers on the port."""
    try:
        with urllib.request.urlopen(f"{endpoint(port)}/_sandbox/health", timeout=timeout) as answer:
            body = json.loads(answer.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None
    return body if body.get("status") == "running" else None


def start(port: int = DEFAULT_PORT) -> str:
    """Start a sandbox in the background (a no-op when one already answers); return its endpoint."""
    if status(port):
        return endpoint(port)
    log_path = state_dir() / f"sandbox-{port}.log"
    with open(log_path, "ab") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "aws_sandbox", "serve", "--port", str(port)],
            stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
            cwd=str(Path(__file__).resolve().parents[1]), **_NEW_GROUP,
        )
    (state_dir() / f"sandbox-{port}.pid").write_text(str(process.pid))
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SandboxError(
                f"the sandbox exited at start (code {process.returncode}); "
                f"last lines of {log_path}:\n{_tail(log_path)}"
            )
        if status(port, timeout=0.5):
            return endpoint(port)
        time.sleep(0.02)
    process.kill()
    raise SandboxError(f"the sandbox did not answer on port {port} within {READY_TIMEOUT_SECONDS:.0f} s")


def reset(port: int = DEFAULT_PORT) -> float:
    """Wipe every resource and worker of a running sandbox; return the seconds it took."""
    request = urllib.request.Request(f"{endpoint(port)}/_sandbox/reset", method="POST", data=b"")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())["seconds"]
    except (urllib.error.URLError, OSError) as error:
        raise SandboxError(f"no sandbox answers on port {port}: {error}") from error


def stop(port: int = DEFAULT_PORT, timeout: float = 10.0) -> bool:
    """Stop the sandbox on the port and its workers; return False when none was running."""
    pid_file = state_dir() / f"sandbox-{port}.pid"
    pid = int(pid_file.read_text()) if pid_file.exists() else None
    was_running = status(port) is not None
    if was_running:
        request = urllib.request.Request(f"{endpoint(port)}/_sandbox/shutdown", method="POST", data=b"")
        try:
            urllib.request.urlopen(request, timeout=2).read()
        except (urllib.error.URLError, OSError):
            pass
    if pid is not None:
        _end_process_group(pid, timeout)
        pid_file.unlink(missing_ok=True)
    return was_running


# Windows has no process groups in the POSIX sense (no os.killpg): there the sandbox starts in
# a new console process group and stop ends its process tree with taskkill. Untested on Windows.
_POSIX = hasattr(os, "killpg")
_NEW_GROUP = {"start_new_session": True} if _POSIX else {
    "creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}


def _end_process_group(pid: int, timeout: float) -> None:
    """Wait for the server to exit, then make sure nothing of its group (workers) is left."""
    if not _POSIX:
        subprocess.run(["taskkill", "/PID", str(pid), "/T", "/F"], capture_output=True)
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.02)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except (ProcessLookupError, PermissionError):
            return  # the group is gone
        gone_by = time.monotonic() + 1.0
        while time.monotonic() < gone_by:
            try:
                os.killpg(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.02)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie child of ours still "exists"; reap it if it is ours.
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return True


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def temporary(**environment: str) -> Iterator[str]:
    """A throwaway sandbox: a free port, a state dir of its own, stopped whatever happens.

    Yields the endpoint. ``LAB_SANDBOX_HOME`` points at the state dir while the block runs (as
    ``state_dir()`` reads it) and is restored after; ``environment`` is added to the sandbox
    process's environment only (``temporary(LAB_SANDBOX_SPEED_PATHS="off")``).
    """
    port = free_port()
    previous_home = os.environ.get("LAB_SANDBOX_HOME")
    with tempfile.TemporaryDirectory(prefix="lab-sandbox-") as home:
        os.environ["LAB_SANDBOX_HOME"] = home
        try:
            with environment_set(environment):
                url = start(port)
            yield url
        finally:
            os.environ["LAB_SANDBOX_HOME"] = home  # the pid file is there, whatever ran since
            stop(port)
            if previous_home is None:
                os.environ.pop("LAB_SANDBOX_HOME", None)
            else:
                os.environ["LAB_SANDBOX_HOME"] = previous_home


@contextlib.contextmanager
def environment_set(values: dict[str, str]) -> Iterator[None]:
    """These environment variables set for the block, and put back as they were after it."""
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
