"""Every change the sandbox makes to moto's behaviour, in one place.

Each patch is small and says why it exists; the modules named here hold the code.
- moto's Lambda needs Docker to run code: ``LambdaBackend.invoke`` is handed to the
  sandbox's own worker-process runtime (``lambda_runtime``).
- moto's Step Functions interpreter is switched on, and its gaps against AWS are closed
  in ``stepfunctions`` (execution names, StartSyncExecution, Task calls that reach the
  sandbox in-process, parsed definitions cached).
"""
from __future__ import annotations

import os

from werkzeug.wrappers import Request, Response


def install(port: int) -> None:
    """Configure moto for the sandbox on ``port``; safe to call more than once."""
    # Task states and Lambda handlers call back to the sandbox on this port, not moto's 5000.
    os.environ["MOTO_PORT"] = str(port)
    os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")
    from moto.core.config import default_user_config

    default_user_config["stepfunctions"] = {"execute_state_machine": True}
    default_user_config["lambda"] = {"use_docker": False}
    # The recipe attaches AWS managed policies (AWSLambdaBasicExecutionRole, ...).
    default_user_config["iam"] = {"load_aws_managed_policies": True}

    from . import lambda_runtime, stepfunctions

    lambda_runtime.install(port)
    stepfunctions.install(port)


def extra_operations() -> list:
    """Handlers for AWS operations moto does not serve (tried before moto, POST only)."""
    from . import stepfunctions

    return [stepfunctions.handle_operation]
