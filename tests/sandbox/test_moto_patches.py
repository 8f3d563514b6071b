"""The guard around every change to moto and airspeed: versions checked at start, missing
targets refused loudly, speed paths behind one switch."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import types

import pytest

from aws_sandbox import patching
from tests.conftest import ROOT


def test_a_wrong_moto_version_is_refused_naming_both_versions(monkeypatch):
    monkeypatch.setattr(patching, "installed_version", lambda name: "5.0.0" if name == "moto" else "0.6.9")
    with pytest.raises(patching.VersionMismatch) as refused:
        patching.check_versions()
    message = str(refused.value)
    assert "moto 5.0.0 is installed" in message and "needs 5.2.5" in message
    assert "airspeed" not in message.split(".")[0]  # only the wrong one is named


def test_a_missing_library_is_named():
    with pytest.raises(patching.VersionMismatch, match="no-such-dist-x is not installed, the sandbox needs 1.0"):
        patching.check_versions({"no-such-dist-x": "1.0"})


def test_the_installed_versions_are_the_required_ones():
    patching.check_versions()  # what requirements.txt pins is what the patches were written for


def test_the_sandbox_refuses_to_start_on_another_moto_version(tmp_path):
    # The server process itself: installing the patches fails before anything is patched.
    script = textwrap.dedent('''
        from aws_sandbox import moto_patches, patching
        patching.REQUIRED_VERSIONS["moto"] = "0.0.1"
        moto_patches.install(1)
    ''')
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "LAB_SANDBOX_HOME": str(tmp_path), "PYTHONPATH": str(ROOT)})
    assert done.returncode != 0
    assert "VersionMismatch: moto 5.2.5 is installed, the sandbox needs 0.0.1" in done.stderr


def test_a_missing_patch_target_fails_loudly():
    owner = types.SimpleNamespace(present=1)
    with pytest.raises(patching.PatchTargetMissing, match="absent does not exist"):
        patching.replace(owner, "absent", 2)
    assert not hasattr(owner, "absent")  # nothing half-done
    assert patching.replace(owner, "present", 2) == 1 and owner.present == 2


def test_a_rebind_that_finds_no_module_fails_loudly():
    with pytest.raises(patching.PatchTargetMissing, match="no module under moto.nothing-here"):
        patching.rebind("moto.nothing-here", "boto_client_for", object(), object())


@pytest.mark.parametrize("value, enabled", [(None, True), ("on", True), ("1", True),
                                            ("off", False), ("0", False), ("False", False)])
def test_one_switch_turns_the_speed_paths_off(monkeypatch, value, enabled):
    if value is None:
        monkeypatch.delenv(patching.SPEED_PATHS_ENV, raising=False)
    else:
        monkeypatch.setenv(patching.SPEED_PATHS_ENV, value)
    assert patching.speed_paths_enabled() is enabled


def test_without_speed_paths_moto_runs_its_own_code(tmp_path):
    # Fixes in, speed paths out: moto's parser is not memoised, its Task clients are its own.
    script = textwrap.dedent('''
        from aws_sandbox import moto_patches
        moto_patches.install(1)
        moto_patches.install_deferred()
        from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
        from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
        from moto.stepfunctions.parser.asl.utils import boto_client
        print(hasattr(AmazonStateLanguageParser.parse, "cache_info"),
              boto_client.boto_client_for.__module__,
              lambda_eval_utils.execute_lambda_function_integration.__module__,
              [handler.__module__ for handler in moto_patches.extra_operations()])
    ''')
    answers = []
    for switch in ("on", "off"):
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                              env={**os.environ, "LAB_SANDBOX_HOME": str(tmp_path), "PYTHONPATH": str(ROOT),
                                   patching.SPEED_PATHS_ENV: switch})
        assert done.returncode == 0, done.stderr
        answers.append(done.stdout.strip())
    on, off = answers
    assert on.startswith("True aws_sandbox.stepfunctions.tasks aws_sandbox.stepfunctions.tasks")
    assert "aws_sandbox.stepfunctions.speed" in on
    assert off.startswith("False moto.stepfunctions.parser.asl.utils.boto_client aws_sandbox.stepfunctions.tasks")
    assert "aws_sandbox.stepfunctions.speed" not in off


def _sandbox_imports() -> dict[str, set[str]]:
    """Each aws_sandbox module -> the aws_sandbox modules it imports, anywhere in it (an import
    inside a function is still a dependency: moving it there only hides a loop)."""
    import ast

    package = ROOT / "aws_sandbox"
    graph: dict[str, set[str]] = {}
    for path in package.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        base = parts[:-1]  # the package a relative import starts from
        imported: set[str] = set()
        tree = ast.parse(path.read_text())
        type_only = {id(inner) for node in ast.walk(tree) if isinstance(node, ast.If)
                     and getattr(node.test, "id", "") == "TYPE_CHECKING" for inner in ast.walk(node)}
        for node in ast.walk(tree):
            if id(node) in type_only:  # `if TYPE_CHECKING:` imports never run
                continue
            if isinstance(node, ast.ImportFrom) and node.level:
                origin = ".".join(base[:len(base) - node.level + 1] + tuple(filter(None, [node.module])))
                targets = [f"{origin}.{alias.name}" for alias in node.names]
                imported.update(t if (ROOT / t.replace(".", "/")).with_suffix(".py").exists()
                                or (ROOT / t.replace(".", "/")).is_dir() else origin for t in targets)
            elif isinstance(node, ast.Import):
                imported.update(a.name for a in node.names if a.name.startswith("aws_sandbox"))
        graph[name] = {module for module in imported if module != name}
    return graph


def test_the_sandbox_modules_import_one_another_without_a_loop():
    graph = _sandbox_imports()
    assert "aws_sandbox.moto_patches" in graph["aws_sandbox.server"]
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, "import loop: " + " -> ".join(path + (module,))
        if module in done:
            return
        for imported in graph.get(module, ()):
            visit(imported, path + (module,))
        done.add(module)

    for module in graph:
        visit(module, ())


def test_importing_the_sandbox_patches_nothing(tmp_path):
    # Every module imported, nothing installed: moto and airspeed are as shipped.
    script = textwrap.dedent('''
        import importlib, pkgutil, aws_sandbox
        for module in pkgutil.walk_packages(aws_sandbox.__path__, "aws_sandbox."):
            if module.name != "aws_sandbox.__main__":
                importlib.import_module(module.name)
        from airspeed import operators
        from moto.apigateway.models import RestAPI
        from moto.awslambda.models import LambdaBackend
        from moto.iam.models import IAMBackend
        from moto.stepfunctions.parser.models import StepFunctionsParserBackend
        print(operators.boolean_value.__module__, operators.VariableExpression.calculate.__module__,
              RestAPI.create_deployment.__module__, LambdaBackend.invoke.__module__,
              IAMBackend._init_aws_policies.__module__, StepFunctionsParserBackend.start_execution.__module__)
    ''')
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "LAB_SANDBOX_HOME": str(tmp_path), "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["airspeed.operators", "airspeed.operators", "moto.apigateway.models",
                                   "moto.awslambda.models", "moto.iam.models", "moto.stepfunctions.parser.models"]


def test_patches_that_failed_part_way_are_not_installed_twice(tmp_path):
    # One step of the deferred patches fails: that call raises it, and every later call raises
    # PatchesFailed without running the steps again (which would wrap patched functions twice).
    script = textwrap.dedent('''
        from aws_sandbox import moto_patches
        from aws_sandbox.stepfunctions import executions, redrive
        calls = []
        moto_install = executions.install
        executions.install = lambda: (calls.append(1), moto_install())
        def broken():
            raise OSError("disk gone")
        redrive.install = broken
        moto_patches.install(1)
        for attempt in range(3):
            try:
                moto_patches.install_deferred()
            except Exception as error:
                print(type(error).__name__, error)
        print("executions.install ran", len(calls), "time(s); installed:", moto_patches.deferred_installed())
    ''')
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "LAB_SANDBOX_HOME": str(tmp_path), "PYTHONPATH": str(ROOT)})
    lines = done.stdout.splitlines()
    assert lines[0] == "OSError disk gone"
    assert lines[1].startswith("PatchesFailed the sandbox's Step Functions and API Gateway patches failed to install")
    assert lines[2].startswith("PatchesFailed") and "restart the sandbox" in lines[2]
    assert lines[3] == "executions.install ran 1 time(s); installed: False"
