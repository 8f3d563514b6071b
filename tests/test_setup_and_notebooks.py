"""The first run and the committed notebooks, as a newcomer meets them.

bootstrap.py refuses an unsupported Python with the fix to run; the notebook runner saves
outputs on the documented endpoint without widget state; notebooks 00-06 follow one skeleton
and carry no noise (random ports, widget state, large images).
"""
from __future__ import annotations

import base64
import importlib.util
import re
import sys

import nbformat
import pytest

from lab_helpers import notebook_runner
from tests.conftest import ROOT

CORE_NOTEBOOKS = sorted(ROOT.glob("notebooks/0[0-6]_*.ipynb"))
SKELETON = ["**Objectives", "**Time:**", "**Needs:**", "**Cost on AWS:**", "## Verify", "## Clean up"]


def load_bootstrap():
    spec = importlib.util.spec_from_file_location("bootstrap", ROOT / "bootstrap.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bootstrap_refuses_an_unsupported_python_naming_what_to_install(monkeypatch):
    bootstrap = load_bootstrap()
    monkeypatch.setattr(bootstrap, "SUPPORTED", ((3, 99), (3, 99)))
    with pytest.raises(SystemExit) as refused:
        bootstrap.check_interpreter()
    message = str(refused.value)
    assert f"Python {sys.version_info.major}.{sys.version_info.minor}" in message
    assert "needs Python 3.99 to 3.99" in message and "make lab PYTHON=" in message


def test_bootstrap_accepts_this_python_and_knows_when_packages_are_current(capsys):
    bootstrap = load_bootstrap()
    bootstrap.check_interpreter()
    assert "fine" in capsys.readouterr().out
    assert len(bootstrap.requirements_hash()) == 64


def test_runner_saves_the_documented_endpoint_and_no_widget_state():
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    cell = nbformat.v4.new_code_cell("lab.endpoint_url()")
    cell.metadata["execution"] = {"iopub.execute_input": "2026-12-01T07:00:00Z"}
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="a\n"),
                    nbformat.v4.new_output("stream", name="stdout", text="b at http://127.0.0.1:44051\n"),
                    nbformat.v4.new_output("execute_result", {"text/plain": "'http://127.0.0.1:44051'"},
                                           execution_count=1)]
    notebook.cells = [cell]
    notebook_runner.clean(notebook, "http://127.0.0.1:44051")
    assert "widgets" not in notebook.metadata and "execution" not in cell.metadata
    assert [o["output_type"] for o in cell.outputs] == ["stream", "execute_result"]  # one stream, as printed
    assert cell.outputs[0]["text"] == "a\nb at http://127.0.0.1:4599\n"
    assert cell.outputs[1]["data"]["text/plain"] == "'http://127.0.0.1:4599'"


@pytest.mark.parametrize("path", CORE_NOTEBOOKS, ids=lambda p: p.name)
def test_core_notebook_follows_the_skeleton_and_carries_no_noise(path):
    notebook = nbformat.read(path, as_version=4)
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert [part for part in SKELETON if part not in markdown] == []
    assert "notebook **99" in markdown and "lab.delete_everything()" in markdown
    assert "widgets" not in notebook.metadata
    text = nbformat.writes(notebook)
    assert set(re.findall(r"127\.0\.0\.1:(\d+)", text)) <= {"4599"}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png:
                assert len(base64.b64decode(png)) < 80_000, "keep images to a few tens of KB"
