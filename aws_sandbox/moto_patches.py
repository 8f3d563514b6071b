"""Every change the sandbox makes to moto's behaviour, in one place.

Each patch is small and says why it exists; the modules named here hold the code.
- moto's Lambda needs Docker to run code: ``LambdaBackend.invoke`` is handed to the
  sandbox's own worker-process runtime (``lambda_runtime``).
- moto rebuilds ~1,600 AWS managed IAM policies from one large JSON text for each of
  six partitions at every reset (1.5 s): ``_fast_managed_policies`` parses it once.
- moto's reset re-initialises every backend of every account and region it has seen, and
  then throws them all away (seconds after a long session): ``_reset_by_forgetting``
  only throws them away; each is built again, empty, on its next use.
- moto lists its own package directory on disk and introspects the response class on
  every request (~1 ms of a ~2 ms PutItem): ``_cache_dispatch_lookups`` memoises both.
- moto parses a DynamoDB UpdateExpression twice per UpdateItem:
  ``_cache_update_expressions`` parses each distinct expression once.
- moto's Step Functions interpreter is switched on, and its gaps against AWS are closed
  in ``stepfunctions`` (execution names, StartSyncExecution, Task calls that reach the
  sandbox in-process, parsed definitions cached).
- moto's CloudWatch has no service metrics and never evaluates alarms: ``metrics`` serves
  AWS/States, AWS/Lambda and AWS/ApiGateway data points through moto's metric-provider hook,
  ``alarms`` evaluates metric alarms and publishes their actions to SNS.
- moto's API Gateway serves the live API rather than what was deployed, and its
  ``apigateway:invoke`` Task drops Stage/Path/RequestBody: fixed in ``apigateway``.
"""
from __future__ import annotations

import json
import os
import threading



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

    from moto.iam.models import IAMBackend

    IAMBackend._init_aws_policies = _fast_managed_policies
    from moto.core.base_backend import BackendDict

    BackendDict.reset = classmethod(_reset_by_forgetting)
    _cache_dispatch_lookups()
    _cache_update_expressions()

    from . import alarms, lambda_runtime, metrics

    lambda_runtime.install(port)
    metrics.install()  # the services' CloudWatch metrics, and alarms evaluated on them
    alarms.install()
    global _port
    _port = port


# The Step Functions and API Gateway patches import moto's ASL interpreter (which imports
# every service it can call, Batch and with it all of EC2) and API Gateway's models: about
# 2 s. The server starts without them, warms them in the background, and any request for
# these services (by its signing name) waits until they are in.
DEFERRED_SERVICES = frozenset({"states", "apigateway", "execute-api"})
_port = 0
_deferred_done = threading.Event()
_deferred_lock = threading.Lock()


def deferred_installed() -> bool:
    return _deferred_done.is_set()


def install_deferred() -> None:
    """Install the Step Functions and API Gateway patches once; callers wait until they are in."""
    if _deferred_done.is_set():
        return
    with _deferred_lock:
        if _deferred_done.is_set():
            return
        from . import apigateway, metrics, stepfunctions

        stepfunctions.install(_port)
        metrics.install_states()
        # Deployments snapshot what a stage serves; apigateway:invoke reaches the data plane.
        apigateway.install()
        _deferred_done.set()


def extra_operations() -> list:
    """Handlers for AWS operations moto does not serve (tried before moto, POST only)."""
    from . import lambda_runtime, stepfunctions

    # Invoke is answered before moto's dispatcher, whose routing alone costs ~5 ms a call.
    return [lambda_runtime.handle_invoke_request, stepfunctions.handle_operation]


_managed_policy_data: list[tuple[str, dict, str]] | None = None


def _fast_managed_policies(backend) -> list:
    """``IAMBackend._init_aws_policies`` with the policy data parsed (and each document
    serialised) once per process instead of once per backend and reset."""
    global _managed_policy_data
    from datetime import datetime

    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.iam.models import AWSManagedPolicy
    from moto.settings import load_iam_aws_managed_policies

    if not load_iam_aws_managed_policies():
        return []
    if _managed_policy_data is None:
        _managed_policy_data = [
            (name, data, json.dumps(data.get("Document")))
            for name, data in json.loads(aws_managed_policies_data).items()
        ]
    return [
        AWSManagedPolicy(
            name, account_id=backend.account_id, region=backend.region_name,
            default_version_id=data.get("DefaultVersionId"), path=data.get("Path"),
            document=document, create_date=datetime.fromisoformat(data["CreateDate"]),
            update_date=datetime.fromisoformat(data["UpdateDate"]),
        )
        for name, data, document in _managed_policy_data
    ]


def _cache_dispatch_lookups() -> None:
    """Memoise two lookups moto repeats on every request although their answers never change."""
    import functools

    import moto.backends
    import moto.core.responses

    if not hasattr(moto.backends.list_of_moto_modules, "cache_info"):
        modules = tuple(moto.backends.list_of_moto_modules())
        moto.backends.list_of_moto_modules = functools.lru_cache(maxsize=1)(lambda: modules)
    if not hasattr(moto.core.responses.method_names_from_class, "cache_info"):
        moto.core.responses.method_names_from_class = functools.lru_cache(maxsize=None)(
            moto.core.responses.method_names_from_class
        )


def _cache_update_expressions() -> None:
    """moto parses a DynamoDB UpdateExpression twice per UpdateItem (handler, then backend:
    ~15% of the call). The tree is only read, or deep-copied before it is changed (by the
    validator), so one parse per distinct expression serves every call."""
    import functools

    from moto.dynamodb.parsing.expressions import UpdateExpressionParser

    if not hasattr(UpdateExpressionParser.make, "cache_info"):
        UpdateExpressionParser.make = functools.lru_cache(maxsize=1024)(UpdateExpressionParser.make)


def _reset_by_forgetting(cls) -> None:
    """``BackendDict.reset`` without re-initialising the backends it is about to discard."""
    from moto.core.base_backend import backend_lock

    with backend_lock:
        for backend in cls._instances:
            backend.clear()
        cls._instances.clear()
