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
