"""`make bench`: every benchmark in this folder, one after the other, each on a sandbox of its own.

Run one alone with `python bench/bench_<name>.py`. Figures print as they come; a run takes a few minutes.
"""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

ORDER = ["bench_startup", "bench_lambda", "bench_workflow", "bench_orders", "bench_memory"]


def main() -> int:
    for name in ORDER:
        if not (HERE / f"{name}.py").exists():
            continue
        print(f"\n== {name} ==", flush=True)
        importlib.import_module(name).main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
