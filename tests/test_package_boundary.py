"""The teaching helpers reach the emulator only through its control surface."""
from __future__ import annotations

import ast
from pathlib import Path

LAB_HELPERS = Path(__file__).resolve().parents[1] / "lab_helpers"
# What a notebook helper may use of the emulator: start, stop, status, the endpoint.
CONTROL_SURFACE = {"aws_sandbox", "aws_sandbox.control"}


def emulator_imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] == "aws_sandbox":
                names = {node.module} if node.module != "aws_sandbox" else {
                    f"aws_sandbox.{alias.name}" if alias.name != "DEFAULT_PORT" else "aws_sandbox"
                    for alias in node.names}
                found += [(node.lineno, name) for name in names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names
                      if alias.name.split(".")[0] == "aws_sandbox"]
    return found


def test_lab_helpers_use_only_the_emulators_control_surface():
    outside = [f"{path.relative_to(LAB_HELPERS.parent)}:{line} imports {name}"
               for path in sorted(LAB_HELPERS.rglob("*.py"))
               for line, name in emulator_imports(path) if name not in CONTROL_SURFACE]
    assert outside == []


def test_the_check_sees_a_reach_into_the_emulator(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from aws_sandbox.apigateway import vtl\nfrom aws_sandbox import control, server\n")
    assert sorted(name for _, name in emulator_imports(sample)) == [
        "aws_sandbox.apigateway", "aws_sandbox.control", "aws_sandbox.server"]
