"""Lambda control-plane answers where moto's differ from AWS's (LocalStack's AWS-validated
``tests/aws/services/lambda_/test_lambda_api.py`` snapshots, commit 8b9a79f05846).

- A function name or ARN that carries a qualifier (``name:1``, ``arn:...:function:name:1``) and a
  ``Qualifier`` that says another: 400 InvalidParameterValueException (moto looked up one of them).
- DeleteFunction of ``$LATEST``: 400, the function stays (moto emptied ``$LATEST`` and every later
  call on the function failed with a 500); of a version that does not exist: nothing to do, 204.
- PutFunctionConcurrency on a version or alias: 400; on a missing function the error names
  ``$LATEST``, as AWS's does.
- CreateAlias of an existing alias: ``ResourceConflictException`` (moto: ``ConflictException``).
- PublishVersion with a ``CodeSha256`` that is not ``$LATEST``'s: 400 (moto published anyway).
- CreateFunction and UpdateFunctionCode with a ZipFile that is not a zip archive: 400 (moto
  accepted it and every Invoke then failed); environment variables over 4 KB as JSON: 400.
- moto's routes did not admit ``$`` in a function name (``name:$LATEST``): an HTML 404.
- Configurations name their ``LoggingConfig`` (the text format and ``/aws/lambda/<name>``, where
  the runtime writes); CreateFunction answers ``State: Pending`` and UpdateFunctionCode and
  UpdateFunctionConfiguration ``LastUpdateStatus: InProgress``, with AWS's reasons (the
  recorded ``test_function_lifecycle``): the function is ready at once here (GetFunction and the
  ``function_active_v2``/``function_updated_v2`` waiters say so), but code that skips the
  wait sees on the sandbox what it would see on AWS.
"""
from __future__ import annotations

import base64
import binascii
import functools
import io
import json
import zipfile
from typing import Any
from urllib.parse import unquote

from .patching import replace

MISMATCH = "The derived qualifier from the function name does not match the specified qualifier."
LATEST_UNDELETABLE = "$LATEST version cannot be deleted without deleting the function."
UNQUALIFIED_ONLY = ("This operation is permitted on Lambda functions only. Aliases and versions do not support "
                    "this operation. Please specify either a function name or an unqualified function ARN.")
OTHER_CODE = ("CodeSHA256 ({given}) is different from current CodeSHA256 in $LATEST ({latest}). "
              "Please try again with the CodeSHA256 in $LATEST.")
NOT_A_ZIP = "Could not unzip uploaded file. Please check your file, then try to upload again."
ENVIRONMENT_LIMIT = 4096  # bytes of the variables as compact JSON
TOO_LARGE_ENVIRONMENT = ("Lambda was unable to configure your environment variables because the environment "
                         "variables you have provided exceeded the 4KB limit. String measured: {}")


def split_qualifier(name_or_arn: str) -> tuple[str, str | None]:
    """``(function name or unqualified ARN, the qualifier it carries or None)``."""
    head, marker, tail = name_or_arn.rpartition(":function:")
    if marker:
        name, _, qualifier = tail.partition(":")
        return head + marker + name, qualifier or None
    name, _, qualifier = name_or_arn.partition(":")
    return name, qualifier or None


def qualifier_of(name_or_arn: str, qualifier: str | None) -> str | None:
    """The one qualifier the request names; refuses two that differ, as Lambda does."""
    derived = split_qualifier(name_or_arn)[1]
    if derived and qualifier and derived != qualifier:
        from moto.awslambda.exceptions import InvalidParameterValueException

        raise InvalidParameterValueException(MISMATCH)
    return derived or qualifier


def check_zip(code: dict[str, Any] | None) -> None:
    if not code or "ZipFile" not in code:
        return
    from moto.awslambda.exceptions import InvalidParameterValueException

    try:
        archive = base64.b64decode(code["ZipFile"], validate=True)
    except (binascii.Error, ValueError):
        archive = b""
    if not zipfile.is_zipfile(io.BytesIO(archive)):
        raise InvalidParameterValueException(NOT_A_ZIP)


def check_environment(environment: dict[str, Any] | None) -> None:
    variables = (environment or {}).get("Variables") or {}
    measured = json.dumps(variables, separators=(",", ":"), ensure_ascii=False)
    if len(measured.encode()) > ENVIRONMENT_LIMIT:
        from moto.awslambda.exceptions import InvalidParameterValueException

        raise InvalidParameterValueException(TOO_LARGE_ENVIRONMENT.format(measured))


CREATING = {"State": "Pending", "StateReason": "The function is being created.", "StateReasonCode": "Creating"}
UPDATING = {"LastUpdateStatus": "InProgress", "LastUpdateStatusReason": "The function is being created.",
            "LastUpdateStatusReasonCode": "Creating"}


def answered_as(handler, fields: dict[str, str]):
    """moto's response handler, with ``fields`` set in the configuration it answers for ``$LATEST``."""
    @functools.wraps(handler)
    def answer(self):
        status, headers, body = handler(self)
        configuration = json.loads(body)
        if status < 300 and configuration.get("Version") == "$LATEST":
            body = json.dumps({**configuration, **fields})
        return status, headers, body
    return answer


def install() -> None:
    from moto.awslambda import urls
    from moto.awslambda.exceptions import (InvalidParameterValueException, LambdaClientError,
                                           UnknownFunctionException)
    from moto.awslambda.models import LambdaBackend, LambdaFunction
    from moto.awslambda.responses import LambdaResponse

    original_get = LambdaBackend.get_function

    @functools.wraps(original_get)
    def get_function(self, function_name_or_arn: str, qualifier: str | None = None):
        qualifier_of(function_name_or_arn, qualifier)
        return original_get(self, function_name_or_arn, qualifier)

    original_delete = LambdaBackend.delete_function

    @functools.wraps(original_delete)
    def delete_function(self, function_name: str, qualifier: str | None = None) -> None:
        qualifier = qualifier_of(function_name, qualifier)
        if qualifier == "$LATEST":
            raise InvalidParameterValueException(LATEST_UNDELETABLE)
        unqualified = split_qualifier(function_name)[0]
        if qualifier:
            original_get(self, unqualified)  # a missing function: its unqualified ARN, as AWS says
            try:
                original_get(self, unqualified, qualifier)
            except UnknownFunctionException:
                return  # AWS deletes a version that is not there without complaint
        original_delete(self, unqualified, qualifier)

    original_put_concurrency = LambdaResponse.put_function_concurrency

    @functools.wraps(original_put_concurrency)
    def put_function_concurrency(self):
        # moto's handler looks the function up itself before calling the backend
        if split_qualifier(unquote(self.path.rsplit("/", 2)[-2]))[1]:
            raise InvalidParameterValueException(UNQUALIFIED_ONLY)
        try:
            return original_put_concurrency(self)
        except UnknownFunctionException as missing:
            raise UnknownFunctionException(f"{missing.message.removeprefix('Function not found: ')}:$LATEST") from None

    original_publish = LambdaResponse.publish_version

    @functools.wraps(original_publish)
    def publish_version(self):
        given = self._get_param("CodeSha256")
        if given:
            latest = self.backend.get_function(unquote(self.path.split("/")[-2])).code_sha_256
            if given != latest:
                raise InvalidParameterValueException(OTHER_CODE.format(given=given, latest=latest))
        return original_publish(self)

    original_create_alias = LambdaBackend.create_alias

    @functools.wraps(original_create_alias)
    def create_alias(self, *args, **kwargs):
        from moto.awslambda.exceptions import ConflictException

        try:
            return original_create_alias(self, *args, **kwargs)
        except ConflictException as conflict:
            error = LambdaClientError("ResourceConflictException", conflict.message)
            error.code = 409
            raise error from None

    original_create = LambdaBackend.create_function

    @functools.wraps(original_create)
    def create_function(self, spec: dict[str, Any]):
        check_zip(spec.get("Code"))
        check_environment(spec.get("Environment"))
        return original_create(self, spec)

    original_update_code = LambdaBackend.update_function_code

    @functools.wraps(original_update_code)
    def update_function_code(self, function_name: str, qualifier: str, body: dict[str, Any]):
        check_zip(body)
        return original_update_code(self, function_name, qualifier, body)

    original_update_configuration = LambdaBackend.update_function_configuration

    @functools.wraps(original_update_configuration)
    def update_function_configuration(self, function_name: str, qualifier: str, body: dict[str, Any]):
        check_environment(body.get("Environment"))
        return original_update_configuration(self, function_name, qualifier, body)

    replace(LambdaResponse, "put_function_concurrency", put_function_concurrency)
    replace(LambdaResponse, "publish_version", publish_version)
    replace(LambdaResponse, "create_function", answered_as(LambdaResponse.create_function, CREATING))
    for name in ("update_function_code", "update_function_configuration"):
        replace(LambdaResponse, name, answered_as(getattr(LambdaResponse, name), UPDATING))

    original_configuration = LambdaFunction.get_configuration

    @functools.wraps(original_configuration)
    def get_configuration(self, *args, **kwargs):
        return {**original_configuration(self, *args, **kwargs),
                "LoggingConfig": {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{self.function_name}"}}

    replace(LambdaFunction, "get_configuration", get_configuration)
    for name, new in (("get_function", get_function), ("delete_function", delete_function),
                      ("create_alias", create_alias), ("create_function", create_function),
                      ("update_function_code", update_function_code),
                      ("update_function_configuration", update_function_configuration)):
        replace(LambdaBackend, name, new)
    # Read when moto builds its Lambda app, on the first Lambda request. "$" as \x24: moto strips
    # every "$" from a route when it turns it into a Flask rule.
    replace(urls, "url_paths", {path.replace(r"[\w_:%-]", r"[\w_:%\x24-]"): handler
                                for path, handler in urls.url_paths.items()})
