"""The guard every change to moto, airspeed and granian goes through (``moto_patches`` applies them all).

- ``check_versions()``: the patches are written against exact versions of moto, airspeed-ext and granian
  (requirements.txt); any other version stops the sandbox at start, naming both versions.
- ``replace(owner, name, new)``: set one attribute of a library module or class, after checking
  that it exists, so a target that moved in the library fails loudly instead of doing nothing.
- ``speed_paths_enabled()``: the one switch. ``LAB_SANDBOX_SPEED_PATHS=off`` leaves out every
  speed path (moto's own slower code runs instead) and keeps every correctness fix, so after an
  upgrade one can tell which of the two broke.

This module imports nothing of the sandbox, so every part may use it.
"""
from __future__ import annotations

import os
import sys
from importlib import metadata
from typing import Any

# The versions the patches were written and tested against (keep in step with requirements.txt).
REQUIRED_VERSIONS = {"moto": "5.2.5", "airspeed-ext": "0.6.9", "granian": "2.8.9"}
SPEED_PATHS_ENV = "LAB_SANDBOX_SPEED_PATHS"
_OFF = ("0", "off", "false", "no")


class VersionMismatch(RuntimeError):
    """An installed library is not the version the sandbox's patches were written for."""


class PatchTargetMissing(RuntimeError):
    """A patch's target is not in the installed library (it moved or was renamed)."""


def installed_version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def check_versions(required: dict[str, str] = REQUIRED_VERSIONS) -> None:
    """Raise ``VersionMismatch`` naming every library whose installed version is not the required one."""
    wrong = [(name, version, installed_version(name)) for name, version in required.items()]
    wrong = [entry for entry in wrong if entry[2] != entry[1]]
    if wrong:
        found = "; ".join(f"{name} {f'{have} is installed' if have else 'is not installed'}, the sandbox needs {need}"
                          for name, need, have in wrong)
        raise VersionMismatch(
            f"{found}. The sandbox patches these libraries and is tested with exactly these versions: "
            f"run `pip install -r requirements.txt` (or `make venv`).")


def speed_paths_enabled() -> bool:
    return os.environ.get(SPEED_PATHS_ENV, "on").strip().lower() not in _OFF


def _describe(owner: Any) -> str:
    return getattr(owner, "__qualname__", None) or getattr(owner, "__name__", None) or type(owner).__name__


def replace(owner: Any, name: str, new: Any) -> Any:
    """Set ``owner.name`` to ``new`` and return what was there; raise if there was nothing."""
    if not hasattr(owner, name):
        raise PatchTargetMissing(
            f"{getattr(owner, '__module__', '')}.{_describe(owner)}.{name} does not exist in the installed "
            f"library: a sandbox patch cannot be applied (see aws_sandbox/moto_patches.py)")
    old = getattr(owner, name)
    setattr(owner, name, new)
    return old


def rebind(prefix: str, name: str, old: Any, new: Any) -> int:
    """Replace ``name`` in every loaded module under ``prefix`` that imported ``old`` by name;
    raise if none did (the library no longer uses it the way the patch assumes)."""
    count = 0
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith(prefix) and getattr(module, name, None) is old:
            setattr(module, name, new)
            count += 1
    if count == 0:
        raise PatchTargetMissing(f"no module under {prefix} holds {name} any more: a sandbox patch cannot be applied")
    return count
