"""Every change the sandbox makes to moto and airspeed, installed from here and only from here.

``install(port)`` first checks the installed versions (``patching.check_versions``), then
applies the correctness fixes, then the speed paths, unless ``LAB_SANDBOX_SPEED_PATHS=off``.
Each patch goes through ``patching.replace``/``rebind``, which fail loudly when a target is
missing. The code of each patch lives with the part it belongs to; this list says what is
changed and why.

Correctness fixes (the sandbox would differ from AWS without them):
- Lambda: moto needs Docker to run code; ``LambdaBackend.invoke`` and ``LambdaFunction.invoke``
  are handed to the sandbox's worker-process runtime (``lambda_runtime.install``); the control
  plane's errors as AWS records them: qualifiers, DeleteFunction of $LATEST, PutFunctionConcurrency
  on versions, duplicate aliases, broken zips, oversized environments (``lambda_control_plane``).
- DynamoDB (``dynamodb_atomic``): moto's writes race under concurrent requests (lost updates, a
  condition passing for two writers); every write runs under one lock, as DynamoDB's are atomic.
  Answers (``dynamodb_answers``): a TableId, CREATING/DELETING in CreateTable/DeleteTable answers,
  no empty index lists; batch and transaction writes without capacity nobody asked for.
- Step Functions (``stepfunctions.executions``, ``.redrive``, ``.tasks``, ``.semantics``): execution
  names, idempotent starts, Express executions, StartSyncExecution, RedriveExecution; the control
  plane's answers and errors as AWS records them (``.control_plane``); bounded memory
  (one snapshot of a machine per revision, names by index, history compacted at the end, closed
  executions capped); a Lambda error's Cause verbatim;
  apigateway:invoke errors; StringMatches; context timestamps; component heap keys; moto's
  thread registry; the test-only time scale.
- Step Functions, newer features: JSONata and workflow variables on jsonata-python
  (``sfn_jsonata``); the TestState API (``sfn_test_state``); optimised Lambda and DynamoDB
  Task results and errors as AWS shapes them (``sfn_task_results``).
- Step Functions logging (``sfn_logging``): executions of a machine with a ``loggingConfiguration``
  write their history to CloudWatch Logs in AWS's record format (moto never switched it on).
- Wait-for-Callback (``sfn_callbacks``): States.HeartbeatTimeout, an early answer kept,
  SendTaskFailure's cause, apigateway:invoke.waitForTaskToken outcomes.
- API Gateway (``apigateway.deployments``, ``.sfn_invoke``, ``.usage``, ``.patch_operations``,
  ``.api_definition``, ``.api_keys``, ``.stages``): a stage serves its deployment, not the live API,
  which cannot be deleted while served; apigateway:invoke Tasks reach the data plane with every parameter;
  GetUsage/UpdateUsage and UpdateMethod/UpdateIntegration/UpdateGatewayResponse, which moto lacks;
  models, request validators, PutMethod, gateway responses, API keys and UpdateStage checked and
  answered as AWS records them (method settings start from AWS's defaults: 10,000 rps, burst 5,000).
- Velocity (``apigateway.vtl.install``): null renders as "", Velocity truthiness and ==, Java
  String methods.
- Step Functions limits (``stepfunctions.limits``): ``States.ALL`` catches neither
  ``States.DataLimitExceeded`` nor ``States.Runtime``, which AWS documents as terminal.
- Server (``host_guard.install``): moto's global CORS (``Access-Control-Allow-Origin: *``, every
  preflight allowed) is off, so web pages of other origins cannot script the sandbox.
- CloudWatch (``metrics``, ``alarms``): moto has no service metrics and never evaluates alarms;
  AWS/States, AWS/Lambda and AWS/ApiGateway data points are served through moto's
  metric-provider hook, GetMetricData rounds StartTime to the minute and answers percentiles,
  new alarms start in INSUFFICIENT_DATA, and metric alarms are evaluated with SNS actions.

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

from . import (alarms, dynamodb_answers, dynamodb_atomic, host_guard, lambda_control_plane, lambda_runtime, metrics,
               moto_speed, patching, sfn_callbacks, sfn_jsonata, sfn_logging, sfn_task_results, sfn_test_state)
from .apigateway import api_definition, api_keys, deployments, patch_operations, sfn_invoke, stages, usage, vtl
from .stepfunctions import control_plane, executions, limits, redrive, semantics, speed, tasks

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
    lambda_control_plane.install()  # correctness: Lambda's control-plane errors as AWS answers them
    dynamodb_atomic.install()  # correctness: concurrent DynamoDB writes do not race
    dynamodb_answers.install()  # correctness: table descriptions and write answers as AWS's
    host_guard.install()  # no permissive CORS
    metrics.install()  # correctness: the services' CloudWatch metrics, and alarms evaluated on them
    alarms.install()
    if patching.speed_paths_enabled():
        moto_speed.install()
    _installed_port = port


def deferred_installed() -> bool:
    return _deferred_done.is_set()


class PatchesFailed(RuntimeError):
    """The deferred patches failed part-way once; the sandbox cannot serve these services."""


_deferred_failure: BaseException | None = None


def install_deferred() -> None:
    """Install the Step Functions, API Gateway and Velocity patches once; callers wait until they
    are in. If installing fails part-way, every later call raises the same failure: installing
    again would wrap the functions already patched a second time."""
    global _deferred_failure
    if _deferred_done.is_set():
        return
    with _deferred_lock:
        if _deferred_done.is_set():
            return
        if _deferred_failure is not None:
            raise PatchesFailed(f"the sandbox's Step Functions and API Gateway patches failed to install: "
                                f"{_deferred_failure!r}; restart the sandbox") from _deferred_failure
        try:
            _install_deferred_patches()
        except BaseException as error:
            _deferred_failure = error
            raise
        _deferred_done.set()


def _install_deferred_patches() -> None:
    fast = patching.speed_paths_enabled()
    # Correctness fixes.
    executions.install()
    executions.install_bounded_memory()
    redrive.install()  # RedriveExecution, which moto lacks
    control_plane.install()  # state machines, definitions, activities and ARN errors as AWS answers them
    tasks.install_api_gateway_errors()
    tasks.install_lambda_errors(in_process=fast)
    semantics.install_string_matches()
    semantics.install_context_timestamps()
    semantics.install_heap_keys()
    semantics.install_thread_registry()
    semantics.install_wait_and_map_failures()
    semantics.install_state_failure_causes()
    semantics.install_time_scale(float(os.environ.get(semantics.TIME_SCALE_ENV) or 1.0))
    limits.install_terminal_errors()  # States.ALL does not catch States.DataLimitExceeded
    sfn_jsonata.install()  # JSONata and variables (moto's evaluator is an empty stub)
    sfn_test_state.install()  # TestState's mocked errors and state name
    sfn_logging.install()  # executions of machines with a loggingConfiguration write their log
    sfn_callbacks.install()  # .waitForTaskToken endings (wraps install_api_gateway_errors' mapping)
    deployments.install()  # a stage serves what was deployed
    sfn_invoke.install()  # apigateway:invoke reaches the data plane
    vtl.install()
    usage.install()  # GetUsage / UpdateUsage (moto has neither)
    patch_operations.install()  # UpdateMethod / UpdateIntegration (moto answers 500)
    api_definition.install()  # models, request validators, PutMethod checks as AWS answers them
    api_keys.install()  # CreateApiKey / UpdateApiKey checks
    stages.install()  # UpdateStage: AWS's default method settings, removals, path checks
    metrics.install_states()  # executions counted as they start and end
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


def extra_operations() -> list:
    """Handlers for AWS operations the sandbox answers before moto (tried in order, POST only)."""
    handlers = [lambda_runtime.handle_invoke_request, executions.handle_start_sync, redrive.handle_request,
                control_plane.handle_request, sfn_test_state.handle_request]
    if patching.speed_paths_enabled():
        handlers += [speed.handle_operation, moto_speed.handle_dynamodb_request]
    return handlers
