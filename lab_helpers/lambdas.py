"""Lambda functions deployed from the ``lambdas/<service>`` folders of the repo.

``ensure_function`` is create-or-update: a re-run with unchanged code changes nothing, a re-run
after editing ``handler.py`` uploads the new code. The zip is built deterministically (sorted
names, fixed timestamps), so unchanged code has an unchanged CodeSha256.
"""
from __future__ import annotations

import ast
import base64
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from .backend import client, tags
from .config import names
from .iam import retry_while_role_propagates
from .paths import LAMBDAS_DIR

RUNTIME = "python3.12"
WAIT = {"Delay": 1, "MaxAttempts": 120}


def build_zip(source_dir: Path, shared: tuple[str, ...] = ()) -> bytes:
    """The deployment package: every file of the folder except tests and caches, reproducibly,
    plus the ``shared`` modules of ``lambdas/`` (e.g. ``faults.py``) at the package's root."""
    buffer = io.BytesIO()
    files = [(path, path.relative_to(source_dir)) for path in sorted(source_dir.rglob("*"))]
    files += [(LAMBDAS_DIR / name, Path(name)) for name in shared]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, relative in sorted(files, key=lambda pair: pair[1].as_posix()):
            if (not path.is_file() or "__pycache__" in relative.parts or path.name.startswith("test_")
                    or path.suffix == ".pyc"):
                continue
            info = zipfile.ZipInfo(relative.as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def handler_source(service: str, *functions: str) -> str:
    """The handler code of one service folder of ``lambdas/``, to read in a notebook: the whole
    file, or only the named top-level functions (the part that matters for a step).

    >>> print(lab.handler_source("user_service", "lambda_handler"))
    """
    source = (LAMBDAS_DIR / service / "handler.py").read_text(encoding="utf-8")
    if not functions:
        return source
    found = {node.name: ast.get_source_segment(source, node) for node in ast.parse(source).body
             if isinstance(node, ast.FunctionDef)}
    missing = [name for name in functions if name not in found]
    if missing:
        raise KeyError(f"lambdas/{service}/handler.py has no function {', '.join(missing)}")
    return "\n\n".join(found[name] for name in functions)


def code_sha256(package: bytes) -> str:
    """The CodeSha256 Lambda reports for a package (base64 of its SHA-256)."""
    return base64.b64encode(hashlib.sha256(package).digest()).decode()


def ensure_function(name: str, *, source_dir: str | Path, role_arn: str,
                    env: dict[str, str] | None = None, handler: str = "handler.lambda_handler",
                    timeout: int = 30, memory: int = 128, shared: tuple[str, ...] = ()) -> dict[str, Any]:
    """Create or update a Python function from a folder of ``lambdas/``; wait until it is ready.

    >>> role_arn = roles["apicomp-lambda-role"]
    >>> lab.ensure_function("apicomp-user-service", source_dir="user_service", role_arn=role_arn)["State"]
    'Active'
    """
    folder = Path(source_dir)
    folder = folder if folder.is_absolute() else LAMBDAS_DIR / folder
    if not (folder / handler.split(".")[0]).with_suffix(".py").exists():
        raise FileNotFoundError(f"{folder} has no {handler.split('.')[0]}.py")
    package = build_zip(folder, shared)
    settings = dict(Role=role_arn, Handler=handler, Runtime=RUNTIME, Timeout=timeout, MemorySize=memory,
                    Environment={"Variables": env or {}})
    lam = client("lambda")
    try:
        retry_while_role_propagates(
            lambda: lam.create_function(FunctionName=name, Code={"ZipFile": package}, Tags=tags(),
                                        Description="API composition workshop service", **settings),
            code="InvalidParameterValueException", message="cannot be assumed")
        lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig=WAIT)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceConflictException":
            raise
        current = lam.get_function(FunctionName=name)["Configuration"]
        if current["CodeSha256"] != code_sha256(package):
            lam.update_function_code(FunctionName=name, ZipFile=package)
            lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig=WAIT)
        lam.update_function_configuration(FunctionName=name, **settings)
        lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig=WAIT)
    return lam.get_function_configuration(FunctionName=name)


def ensure_workshop_functions(lambda_role_arn: str) -> dict[str, str]:
    """The user and inventory services, by name → ARN.

    >>> functions = lab.ensure_workshop_functions(roles["apicomp-lambda-role"])
    """
    n = names()
    deployed = [
        ensure_function(n.user_service, source_dir="user_service", role_arn=lambda_role_arn),
        ensure_function(n.inventory_service, source_dir="inventory_service", role_arn=lambda_role_arn,
                        env={"PRODUCTS_TABLE": n.products_table}),
    ]
    return {f["FunctionName"]: f["FunctionArn"] for f in deployed}


def invoke(name: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Invoke a function synchronously; return its decoded result (raises on a function error).

    >>> lab.invoke("apicomp-user-service", {"userId": "validuser456"})["valid"]
    True
    """
    answer = client("lambda").invoke(FunctionName=name, Payload=json.dumps(payload).encode())
    result = json.loads(answer["Payload"].read() or b"null")
    if answer.get("FunctionError"):
        raise RuntimeError(f"{name} failed: {result}")
    return result
