"""Re-execute every notebook in a fresh kernel against a fresh sandbox, and save the outputs.

``python -m lab_helpers.notebook_runner notebooks [names...]`` (what ``make notebooks`` runs).
``--check --backend localstack`` saves nothing and runs every notebook twice, as a learner who
re-runs it would, with ``LAB_BACKEND=localstack`` against the sandbox (which speaks LocalStack's
URL forms): what ``make notebooks-localstack`` runs.
The sandbox gets a free port and a throwaway state dir; kernels find it through
``AWS_ENDPOINT_URL`` and import the kit through ``PYTHONPATH``; each notebook runs with its own
folder as working directory, as nbval and JupyterLab run it. A notebook that raises is not saved.

What is saved is what a learner would see on the documented setup: the sandbox's random port
is written as the default one (``127.0.0.1:4599``), and neither per-cell timestamps nor widget
state (the form of notebook 06 says to re-run its cell instead) are kept.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from .paths import REPO_ROOT
from aws_sandbox import DEFAULT_PORT, control

CELL_TIMEOUT_SECONDS = 300


def _replace_text(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [_replace_text(item, old, new) for item in value]
    if isinstance(value, dict):
        return type(value)({key: _replace_text(item, old, new) for key, item in value.items()})
    return value


def clean(notebook: Any, endpoint: str) -> None:
    """Outputs as on the documented endpoint; no timestamps, no widget state."""
    documented = f"127.0.0.1:{DEFAULT_PORT}"
    actual = endpoint.removeprefix("http://")
    notebook.metadata.pop("widgets", None)  # 16 KB of state a reload cannot use without the kernel
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)  # per-cell timestamps would make every re-run a diff
        if cell.cell_type == "code":
            outputs = []
            for output in cell.outputs:
                output = nbformat.from_dict(_replace_text(output, actual, documented))
                previous = outputs[-1] if outputs else None
                if (output.output_type == "stream" and previous is not None
                        and previous.output_type == "stream" and previous.name == output.name):
                    previous.text += output.text  # how a print loop's output arrives depends on timing
                else:
                    outputs.append(output)
            cell.outputs = outputs


def execute(path: Path, endpoint: str, *, save: bool = True) -> float:
    """Run one notebook top to bottom in a new kernel; save it; return the seconds it took."""
    notebook = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    NotebookClient(notebook, timeout=CELL_TIMEOUT_SECONDS, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    if save:
        clean(notebook, endpoint)
        nbformat.write(notebook, path)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab_helpers.notebook_runner")
    parser.add_argument("folder", type=Path)
    parser.add_argument("only", nargs="*", help="notebook file names to run (default: all)")
    parser.add_argument("--backend", choices=("sandbox", "localstack"), default="sandbox",
                        help="LAB_BACKEND for the kernels (the endpoint is a fresh sandbox either way)")
    parser.add_argument("--check", action="store_true", help="save nothing; run each notebook twice")
    args = parser.parse_args(argv)
    notebooks = sorted(p for p in args.folder.glob("*.ipynb") if not args.only or p.name in args.only)
    with control.temporary() as endpoint:
        os.environ.update(AWS_ENDPOINT_URL=endpoint, LAB_BACKEND=args.backend,
                          PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])))
        for path in notebooks:
            for run in ("first run", "re-run") if args.check else ("",):
                try:
                    seconds = execute(path, endpoint, save=not args.check)
                except CellExecutionError as error:
                    print(f"{path.name} {run}: FAILED, not saved\n{error}", file=sys.stderr)
                    return 1
                label = f"{path.name} {run}".strip()
                print(f"{label}: {seconds:.1f} s ({args.backend})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
