"""How long a fresh environment takes to install: pip against uv, cold (empty cache) and warm.

    python bench/setup_speed.py [--uv-version 0.13.8]

Each run makes a new virtualenv in a temporary folder and installs requirements.txt into it;
"cold" starts from an empty download cache, "warm" reuses the cache the cold run filled (what a
second `make lab` on the same laptop, or a room of learners behind one cache, sees). uv is
bootstrapped from PyPI with pip into its own virtualenv, and that bootstrap is timed too, because
`make lab` pays it once when uv is not on PATH. Figures depend on the network and the machine:
say which when you quote them.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "requirements.txt"


def bin_dir(env: Path) -> Path:
    return env / ("Scripts" if os.name == "nt" else "bin")


def timed(command: list[str], **kwargs) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, **kwargs)
    return time.perf_counter() - started


def fresh_env(parent: Path, name: str) -> Path:
    env = parent / name
    venv.EnvBuilder(with_pip=True).create(env)
    return env


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--uv-version", default="0.13.8")
    args = parser.parse_args()
    results: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="setup-speed-") as tmp:
        work = Path(tmp)
        pip_cache, uv_cache = work / "pip-cache", work / "uv-cache"
        for run in ("cold", "warm"):
            env = fresh_env(work, f"pip-{run}")
            seconds = timed([str(bin_dir(env) / "python"), "-m", "pip", "install", "--disable-pip-version-check",
                             "--cache-dir", str(pip_cache), "-r", str(REQUIREMENTS)])
            results.append((f"pip {run}", seconds))
            print(f"pip {run}: {seconds:.1f} s", flush=True)
        tool = fresh_env(work, "uv-tool")
        seconds = timed([str(bin_dir(tool) / "python"), "-m", "pip", "install", "--disable-pip-version-check",
                         "--cache-dir", str(pip_cache), f"uv=={args.uv_version}"])
        results.append(("uv bootstrap (pip install uv)", seconds))
        print(f"uv bootstrap: {seconds:.1f} s", flush=True)
        uv = str(bin_dir(tool) / "uv")
        for run in ("cold", "warm"):
            env = fresh_env(work, f"uv-{run}")
            seconds = timed([uv, "pip", "install", "--python", str(bin_dir(env) / "python"),
                             "--cache-dir", str(uv_cache), "-r", str(REQUIREMENTS)])
            results.append((f"uv {run}", seconds))
            print(f"uv {run}: {seconds:.1f} s", flush=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print("\n| install | seconds |\n|---|---|")
    for name, seconds in results:
        print(f"| {name} | {seconds:.1f} |")
    print(f"\n{os.cpu_count()} CPUs, load average {load:.1f}, Python {sys.version.split()[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
