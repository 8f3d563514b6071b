"""Shared bits of the benchmarks: a sandbox of their own on a free port, boto3 clients, stats."""
from __future__ import annotations

import contextlib
import os
import statistics
import sys
from pathlib import Path

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aws_sandbox import control  # noqa: E402


@contextlib.contextmanager
def own_sandbox():
    """A sandbox of the benchmark's own (``control.temporary``); yield (endpoint, port)."""
    with control.temporary() as endpoint:
        yield endpoint, int(endpoint.rsplit(":", 1)[1])


def client(endpoint: str, service: str):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="bench", aws_secret_access_key="bench",
                        config=Config(inject_host_prefix=False, retries={"max_attempts": 0},
                                      max_pool_connections=32))


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def summary(values_ms: list[float]) -> str:
    return (f"median {statistics.median(values_ms):.1f} ms, p99 {percentile(values_ms, 99):.1f} ms "
            f"(n={len(values_ms)})")


def sandbox_pid(port: int) -> int:
    return int((control.state_dir() / f"sandbox-{port}.pid").read_text())


def rss_mb(port: int) -> float:
    """Resident memory of the sandbox process now, in MB (Linux; elsewhere 0)."""
    try:
        for line in open(f"/proc/{sandbox_pid(port)}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def _process_cpu(pid: int | str) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(port: int) -> float:
    """CPU time (user + system) of the sandbox process so far (Linux; elsewhere 0)."""
    try:
        return _process_cpu(sandbox_pid(port))
    except (OSError, ValueError):
        return 0.0


def worker_cpu_seconds(port: int) -> float:
    """CPU time so far of the sandbox's live child processes, its Lambda workers (Linux; elsewhere 0).
    A worker that exited meanwhile takes its time with it, so compare over a run with warm workers."""
    total = 0.0
    try:
        parent = str(sandbox_pid(port))
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    if open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()[1] == parent:
                        total += _process_cpu(entry)
                except (OSError, IndexError, ValueError):
                    continue
    except (OSError, ValueError):
        return 0.0
    return total


def own_cpu_seconds() -> float:
    """CPU time of this benchmark process (its clients)."""
    times = os.times()
    return times.user + times.system
