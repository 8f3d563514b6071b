"""Run every notebook with nbval against a fresh sandbox of its own (what `make test` does).

The sandbox gets a free port and a throwaway state dir; the kernels find it through
AWS_ENDPOINT_URL, as a learner's would find LocalStack. It is stopped whatever happens.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aws_sandbox import control  # noqa: E402


def main(argv: list[str]) -> int:
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if not notebooks:
        print("no notebooks to validate")
        return 0
    with control.temporary() as endpoint:
        env = {**os.environ, "AWS_ENDPOINT_URL": endpoint, "LAB_BACKEND": "sandbox", "LAB_CI": "1"}
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--nbval",
             "--sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"), *argv,
             *map(str, notebooks)],
            cwd=ROOT, env=env,
        )
    print(f"nbval wall time: {time.perf_counter() - started:.1f} s for {len(notebooks)} notebooks")
    return result.returncode

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
