"""Re-execute every notebook in a fresh kernel against a fresh sandbox, and save the outputs.

``python -m lab_helpers.notebook_runner notebooks [names...]`` (what ``make notebooks`` runs).
The sandbox gets a free port and a throwaway state dir; kernels find it through
``AWS_ENDPOINT_URL`` and import the kit through ``PYTHONPATH``; each notebook runs with its own
folder as working directory, as nbval and JupyterLab run it. A notebook that raises is not saved.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from .paths import REPO_ROOT
from aws_sandbox import control

CELL_TIMEOUT_SECONDS = 300


def execute(path: Path) -> float:
    """Run one notebook top to bottom in a new kernel; save it; return the seconds it took."""
    notebook = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    NotebookClient(notebook, timeout=CELL_TIMEOUT_SECONDS, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in notebook.cells:  # per-cell timestamps would make every re-run a diff
        cell.metadata.pop("execution", None)
    nbformat.write(notebook, path)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab_helpers.notebook_runner")
    parser.add_argument("folder", type=Path)
    parser.add_argument("only", nargs="*", help="notebook file names to run (default: all)")
    args = parser.parse_args(argv)
    notebooks = sorted(p for p in args.folder.glob("*.ipynb") if not args.only or p.name in args.only)
    with control.temporary() as endpoint:
        os.environ.update(AWS_ENDPOINT_URL=endpoint, LAB_BACKEND="sandbox",
                          PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])))
        for path in notebooks:
            try:
                print(f"{path.name}: {execute(path):.1f} s", flush=True)
            except CellExecutionError as error:
                print(f"{path.name}: FAILED, not saved\n{error}", file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
