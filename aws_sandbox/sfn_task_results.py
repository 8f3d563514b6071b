"""Task results and errors shaped as Step Functions shapes them, for the integrations the kit uses.

Recorded on AWS (LocalStack's snapshot tests, ``services/``, ``error_handling/``, ``express/``),
and what moto 5.2.5 did instead:

- an optimised Lambda (``lambda:invoke``) or DynamoDB (``dynamodb:getItem|putItem|updateItem|
  deleteItem``) Task's result carries ``SdkHttpMetadata`` (the HTTP headers and status of the
  service's answer) and ``SdkResponseMetadata`` (its request id): moto dropped both, so a
  ``ResultSelector`` or ``Output`` written against AWS's result found nothing;
- an ``updateItem`` result has ``ConsumedCapacity`` only if the request asked for it
  (``ReturnConsumedCapacity``): moto always added it;
- a DynamoDB request that breaks the API's constraints fails as
  ``DynamoDB.AmazonDynamoDBException`` with DynamoDB's own "1 validation error detected: Value
  null at 'item' failed to satisfy constraint: Member must not be null" (moto raised a KeyError,
  whose Cause was ``'Item'``, or looked for a table called ``/t``).

(Two more recorded differences are fixed where the sandbox makes those answers: Lambda's
"Function not found: ...:$LATEST" in ``lambda_runtime``, a FAILED StartSyncExecution's
``outputDetails`` in ``stepfunctions.executions``.)

The header values are the sandbox's own (its request ids, date, lengths); AWS's are AWS's.
"""
from __future__ import annotations

import binascii
import email.utils
import json
import random
import re
import string
import uuid
from typing import Any

from .patching import replace

# Java's HTTP client reports header names as DynamoDB sent them: GetItem's request id arrives
# lower-case (recorded on AWS), the other actions' in AWS's usual case.
_DYNAMODB_REQUEST_ID_HEADER = {"getItem": "x-amzn-requestid"}


def install() -> None:
    """Shape optimised Lambda and DynamoDB Task results (``moto_patches.install_deferred``, once,
    after the Step Functions fixes and speed paths, whose Task calls it wraps)."""
    _patch_dynamodb_tasks()
    _patch_lambda_tasks()


# ----------------------------------------------------------------------------------------
# SdkHttpMetadata / SdkResponseMetadata
# ----------------------------------------------------------------------------------------
def sdk_metadata(headers: dict[str, str], status: int = 200) -> dict[str, Any]:
    """The two fields Step Functions adds to an optimised integration's result."""
    request_id = next(value for name, value in headers.items() if name.lower() == "x-amzn-requestid")
    return {
        "SdkHttpMetadata": {"AllHttpHeaders": {name: [value] for name, value in headers.items()},
                            "HttpHeaders": dict(sorted(headers.items(), key=lambda item: item[0].lower())),
                            "HttpStatusCode": status},
        "SdkResponseMetadata": {"RequestId": request_id},
    }


def _with_metadata(result: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    # AWS lists the fields in alphabetical order (its Java serializer sorts them).
    return dict(sorted({**result, **sdk_metadata(headers)}.items()))


def _dynamodb_request_id() -> str:
    alphabet = string.ascii_uppercase + string.digits
    return "".join(random.choices(alphabet, k=52))


def _http_date() -> str:
    return email.utils.formatdate(usegmt=True)


def dynamodb_headers(action: str, result: dict[str, Any]) -> dict[str, str]:
    body = json.dumps(result, separators=(",", ":")).encode() if result else b"{}"
    return {"Server": "Server", "Date": _http_date(), "Content-Type": "application/x-amz-json-1.0",
            "Content-Length": str(len(body)), "Connection": "keep-alive",
            _DYNAMODB_REQUEST_ID_HEADER.get(action, "x-amzn-RequestId"): _dynamodb_request_id(),
            "x-amz-crc32": str(binascii.crc32(body))}


def lambda_headers(result: dict[str, Any]) -> dict[str, str]:
    body = json.dumps(result.get("Payload")).encode()  # as the Python runtime writes it
    trace = f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0"
    headers = {"Date": _http_date(), "Content-Type": "application/json", "Content-Length": str(len(body)),
               "Connection": "keep-alive", "x-amzn-RequestId": str(uuid.uuid4()),
               "x-amzn-Remapped-Content-Length": "0",
               "X-Amz-Executed-Version": result.get("ExecutedVersion", "$LATEST"), "X-Amzn-Trace-Id": trace}
    if result.get("FunctionError"):
        headers["X-Amz-Function-Error"] = result["FunctionError"]
    if result.get("LogResult"):
        headers["X-Amz-Log-Result"] = result["LogResult"]
    return headers


def _patch_dynamodb_tasks() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb import (
        StateTaskServiceDynamoDB,
    )

    sandbox_eval = StateTaskServiceDynamoDB._eval_service_task
    moto_cause = StateTaskServiceDynamoDB._error_cause_from_client_error

    def eval_service_task(self, env, resource_runtime_part, normalised_parameters, state_credentials):
        invalid = validation_message(self.resource.api_action, normalised_parameters)
        if invalid:
            raise _validation_error(invalid)
        sandbox_eval(self, env, resource_runtime_part, normalised_parameters, state_credentials)
        if env.is_mocked_mode():
            return
        result = env.stack.pop()
        if "ReturnConsumedCapacity" not in normalised_parameters or \
                normalised_parameters["ReturnConsumedCapacity"] == "NONE":
            result.pop("ConsumedCapacity", None)
        env.stack.append(_with_metadata(result, dynamodb_headers(self.resource.api_action, result)))

    def error_cause_from_client_error(client_error) -> tuple[str, str]:
        error, cause = moto_cause(client_error)
        # AWS names DynamoDB's validation failures after the SDK's generic exception.
        if client_error.response["Error"]["Code"] == "ValidationException":
            error = "DynamoDB.AmazonDynamoDBException"
        return error, cause

    replace(StateTaskServiceDynamoDB, "_eval_service_task", eval_service_task)
    replace(StateTaskServiceDynamoDB, "_error_cause_from_client_error", staticmethod(error_cause_from_client_error))


def _validation_error(message: str):
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": "ValidationException", "Message": message},
                        "ResponseMetadata": {"RequestId": _dynamodb_request_id(), "HTTPStatusCode": 400}},
                       "DynamoDB")


_TABLE_NAME = ("[a-zA-Z0-9_.-]+", 3, 255)


def validation_message(action: str, parameters: dict[str, Any]) -> str | None:
    """DynamoDB's answer to a request that breaks its API's constraints (top-level members:
    required, string pattern and length), or None. E.g. ``1 validation error detected: Value
    null at 'item' failed to satisfy constraint: Member must not be null``."""
    from .request_validation import service_model  # cached: loading botocore's model takes ~100 ms

    shape = service_model("dynamodb").operation_model(action[:1].upper() + action[1:]).input_shape
    problems = []
    for name, member in shape.members.items():
        at = name[:1].lower() + name[1:]
        value = parameters.get(name)
        if value is None:
            if name in shape.required_members:
                problems.append(f"Value null at '{at}' failed to satisfy constraint: Member must not be null")
            continue
        if member.type_name != "string" or not isinstance(value, str):
            continue
        pattern, low, high = member.metadata.get("pattern"), member.metadata.get("min"), member.metadata.get("max")
        if name == "TableName" and not value.startswith("arn:"):
            # The model allows a table ARN here; a plain name keeps TableName's own constraints.
            pattern, low, high = _TABLE_NAME
        if pattern and not re.fullmatch(pattern, value):
            problems.append(f"Value '{value}' at '{at}' failed to satisfy constraint: Member must satisfy "
                            f"regular expression pattern: {pattern}")
        elif low is not None and len(value) < low:
            problems.append(f"Value '{value}' at '{at}' failed to satisfy constraint: Member must have "
                            f"length greater than or equal to {low}")
        elif high is not None and len(value) > high:
            problems.append(f"Value '{value}' at '{at}' failed to satisfy constraint: Member must have "
                            f"length less than or equal to {high}")
    if not problems:
        return None
    count = f"{len(problems)} validation error{'s' if len(problems) > 1 else ''} detected"
    return f"{count}: {'; '.join(problems)}"


def _patch_lambda_tasks() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_lambda import (
        StateTaskServiceLambda,
    )

    moto_eval = StateTaskServiceLambda._eval_service_task

    def eval_service_task(self, env, resource_runtime_part, normalised_parameters, state_credentials):
        moto_eval(self, env, resource_runtime_part, normalised_parameters, state_credentials)
        if env.is_mocked_mode() or not isinstance(env.stack[-1], dict):
            return
        result = env.stack.pop()
        env.stack.append(_with_metadata(result, lambda_headers(result)))

    replace(StateTaskServiceLambda, "_eval_service_task", eval_service_task)
