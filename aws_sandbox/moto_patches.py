"""Every change the sandbox makes to moto and airspeed, installed from here and only from here.

``install(port)`` first checks the installed versions (``patching.check_versions``), then
applies the correctness fixes, then the speed paths, unless ``LAB_SANDBOX_SPEED_PATHS=off``.
Each patch goes through ``patching.replace``/``rebind``, which fail loudly when a target is
missing. The code of each patch lives with the part it belongs to; this list says what is
changed and why.

Correctness fixes (the sandbox would differ from AWS without them):
- Lambda: moto needs Docker to run code; ``LambdaBackend.invoke`` and ``LambdaFunction.invoke``
  are handed to the sandbox's worker-process runtime (``lambda_runtime.install``).
- Step Functions (``stepfunctions.executions``, ``.tasks``, ``.semantics``): execution names,
  idempotent starts, Express executions, StartSyncExecution; bounded memory (one snapshot of a
  machine per revision, names by index, history compacted at the end, closed executions capped);
  a Lambda error's Cause verbatim;
  apigateway:invoke errors; StringMatches; context timestamps; component heap keys; moto's
  thread registry; the test-only time scale.
- Step Functions, newer features: JSONata and workflow variables on jsonata-python
  (``sfn_jsonata``); the TestState API (``sfn_test_state``); optimised Lambda and DynamoDB
  Task results and errors as AWS shapes them (``sfn_task_results``).
- API Gateway (``apigateway.deployments``, ``.sfn_invoke``): a stage serves its deployment, not
  the live API; apigateway:invoke Tasks reach the data plane with every parameter.
- Velocity (``apigateway.vtl.install``): null renders as "", Velocity truthiness and ==, Java
  String methods.
- Step Functions limits (``stepfunctions.limits``): ``States.ALL`` catches neither
  ``States.DataLimitExceeded`` nor ``States.Runtime``, which AWS documents as terminal.
- Server (``host_guard.install``): moto's global CORS (``Access-Control-Allow-Origin: *``, every
  preflight allowed) is off, so web pages of other origins cannot script the sandbox.

Speed paths (same answers, less time; ``moto_speed`` and ``stepfunctions.speed``,
``stepfunctions.tasks``): AWS managed policies parsed once; reset without rebuilding;
dispatch lookups and UpdateExpressions memoised; definitions and JSONPaths parsed once;
Task calls in-process; Tasks and Programs without a timeout in the caller's thread; JSON copies;
DescribeExecution by index; StartExecution/DescribeExecution and DynamoDB calls before moto's
dispatcher.
"""
from __future__ import annotations

import os
import threading

from . import host_guard, lambda_runtime, moto_speed, patching, sfn_jsonata, sfn_task_results, sfn_test_state
from .apigateway import deployments, sfn_invoke, vtl
from .stepfunctions import executions, limits, semantics, speed, tasks

# The Step Functions and API Gateway patches import moto's ASL interpreter (which imports
# every service it can call, Batch and with it all of EC2) and API Gateway's models: about
# 2 s. The server starts without them, warms them in the background, and any request for
# these services (by its signing name) waits until they are in.
DEFERRED_SERVICES = frozenset({"states", "apigateway", "execute-api"})
_deferred_done = threading.Event()
_deferred_lock = threading.Lock()
_installed_port: int | None = None


def install(port: int) -> None:
    """Check versions, configure moto for the sandbox on ``port`` and install the patches every
    request needs; the rest follow in ``install_deferred``. Safe to call more than once."""
    global _installed_port
    patching.check_versions()
    # Task states and Lambda handlers call back to the sandbox on this port, not moto's 5000.
    os.environ["MOTO_PORT"] = str(port)
    os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")
    from moto.core.config import default_user_config

    default_user_config["stepfunctions"] = {"execute_state_machine": True}
    default_user_config["lambda"] = {"use_docker": False}
    # The recipe attaches AWS managed policies (AWSLambdaBasicExecutionRole, ...).
    default_user_config["iam"] = {"load_aws_managed_policies": True}
    if _installed_port is not None:
        return
    lambda_runtime.install(port)  # correctness: Lambda runs without Docker
    host_guard.install()  # no permissive CORS
    if patching.speed_paths_enabled():
        moto_speed.install()
    _installed_port = port


def deferred_installed() -> bool:
    return _deferred_done.is_set()


def install_deferred() -> None:
    """Install the Step Functions, API Gateway and Velocity patches once; callers wait until they are in."""
    if _deferred_done.is_set():
        return
    with _deferred_lock:
        if _deferred_done.is_set():
            return
        fast = patching.speed_paths_enabled()
        # Correctness fixes.
        executions.install()
        executions.install_bounded_memory()
        tasks.install_api_gateway_errors()
        tasks.install_lambda_errors(in_process=fast)
        semantics.install_string_matches()
        semantics.install_context_timestamps()
        semantics.install_heap_keys()
        semantics.install_thread_registry()
        semantics.install_time_scale(float(os.environ.get(semantics.TIME_SCALE_ENV) or 1.0))
        limits.install_terminal_errors()  # States.ALL does not catch States.DataLimitExceeded
        sfn_jsonata.install()  # JSONata and variables (moto's evaluator is an empty stub)
        sfn_test_state.install()  # TestState's mocked errors and state name
        deployments.install()  # a stage serves what was deployed
        sfn_invoke.install()  # apigateway:invoke reaches the data plane
        vtl.install()
        # Speed paths.
        if fast:
            speed.install_execution_index()
            tasks.install_in_process_tasks()
            speed.install_parse_once()
            speed.install_inline_tasks()
            speed.install_inline_programs()
            speed.install_json_copies()
            speed.install_branch_thread_names()
        # After the speed paths: it shapes what their Task calls return.
        sfn_task_results.install()  # Task results and errors as AWS shapes them
        _deferred_done.set()


def extra_operations() -> list:
    """Handlers for AWS operations the sandbox answers before moto (tried in order, POST only)."""
    handlers = [lambda_runtime.handle_invoke_request, executions.handle_start_sync, sfn_test_state.handle_request]
    if patching.speed_paths_enabled():
        handlers += [speed.handle_operation, moto_speed.handle_dynamodb_request]
    return handlers
