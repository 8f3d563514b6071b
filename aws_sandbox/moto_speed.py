"""Speed paths in moto's core (``moto_patches`` installs them unless ``LAB_SANDBOX_SPEED_PATHS=off``).

- moto rebuilds ~1,600 AWS managed IAM policies from one large JSON text for each of
  six partitions at every reset (1.5 s): ``_fast_managed_policies`` parses it once.
- moto's reset re-initialises every backend of every account and region it has seen, and
  then throws them all away (seconds after a long session): ``_reset_by_forgetting``
  only throws them away; each is built again, empty, on its next use.
- moto lists its own package directory on disk and introspects the response class on
  every request (~1 ms of a ~2 ms PutItem): ``_cache_dispatch_lookups`` memoises both.
- moto parses a DynamoDB UpdateExpression twice per UpdateItem:
  ``_cache_update_expressions`` parses each distinct expression once.
- moto's DynamoDB item re-measures every attribute it already has each time it adds one
  (the 400 KB limit), so building an item costs the square of its attribute count (a fifth of
  a PutItem of an order): ``_size_items_once`` measures the whole item once, the same sum.
- moto serialises every DynamoDB answer by walking botocore's output shape, attribute by
  attribute (~0.6 ms for a GetItem of a product, a third of the call): ``_serialize_items_directly``
  writes an item-only answer (GetItem's Item, a write's Attributes) with ``json.dumps``, the same
  bytes (``dynamodb_json``); anything else still goes through moto's serializer.
- a DynamoDB call (a Lambda handler's GetItem, a notebook's Query) went through moto's domain
  dispatcher, a Flask app and its request context before reaching moto's DynamoDB handler
  (~40% of a GetItem's time): ``handle_dynamodb_request`` hands it to that handler directly.
"""
from __future__ import annotations

import functools
import json
from typing import Any

from werkzeug.wrappers import Request, Response

from .awsapi import CREDENTIAL_SCOPE
from .patching import replace


def install() -> None:
    from moto.core.base_backend import BackendDict
    from moto.iam.models import IAMBackend

    replace(IAMBackend, "_init_aws_policies", _fast_managed_policies)
    replace(BackendDict, "reset", classmethod(_reset_by_forgetting))
    _cache_dispatch_lookups()
    _cache_update_expressions()
    _size_items_once()
    _serialize_items_directly()


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
    import moto.backends
    import moto.core.responses

    if not hasattr(moto.backends.list_of_moto_modules, "cache_info"):
        modules = tuple(moto.backends.list_of_moto_modules())
        replace(moto.backends, "list_of_moto_modules", functools.lru_cache(maxsize=1)(lambda: modules))
    if not hasattr(moto.core.responses.method_names_from_class, "cache_info"):
        replace(moto.core.responses, "method_names_from_class",
                functools.lru_cache(maxsize=None)(moto.core.responses.method_names_from_class))


def _cache_update_expressions() -> None:
    """moto parses a DynamoDB UpdateExpression twice per UpdateItem (handler, then backend:
    ~15% of the call). The tree is only read, or deep-copied before it is changed (by the
    validator), so one parse per distinct expression serves every call."""
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser

    if not hasattr(UpdateExpressionParser.make, "cache_info"):
        replace(UpdateExpressionParser, "make", functools.lru_cache(maxsize=1024)(UpdateExpressionParser.make))


def _size_items_once() -> None:
    """``Item.__init__`` with one size check. moto's ``LimitedSizeDict.__setitem__`` sums the size
    of every attribute so far, plus the new one, and raises ``ItemSizeTooLarge`` past 405,000
    bytes; sizes are never negative, so some prefix of the attributes is too large exactly when
    all of them are, and one sum at the end raises in the same cases."""
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    def init(self, hash_key, range_key, attrs: dict[str, Any]) -> None:
        self.hash_key = hash_key
        self.range_key = range_key
        values = {key: DynamoType(value) for key, value in attrs.items()}
        if sum(bytesize(key) + value.size() for key, value in values.items()) > ITEM_SIZE_LIMIT:
            raise ItemSizeTooLarge
        self.attrs = LimitedSizeDict(values)  # its update() does not re-check each attribute

    replace(Item, "__init__", init)


ITEM_SIZE_LIMIT = 405000  # moto's (AWS's 400 KB, which moto measured between 409 and 410 KB)


def _serialize_items_directly() -> None:
    from moto.dynamodb.responses import DynamoResult

    from .dynamodb_json import item_answer_body

    moto_execute_result = DynamoResult.execute_result

    def execute_result(self, context):
        operation = context.operation_model
        body = item_answer_body(operation.name, self.result) if operation.service_model.service_name == "dynamodb" \
            else None
        if body is None:
            return moto_execute_result(self, context)
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, body

    replace(DynamoResult, "execute_result", execute_result)


def _reset_by_forgetting(cls) -> None:
    """``BackendDict.reset`` without re-initialising the backends it is about to discard."""
    from moto.core.base_backend import backend_lock

    with backend_lock:
        for backend in cls._instances:
            backend.clear()
        cls._instances.clear()


_DYNAMODB_TARGET = "DynamoDB_20120810."


def handle_dynamodb_request(request: Request) -> Response | None:
    """Answer a DynamoDB JSON API call with moto's DynamoDB handler, as moto's Flask view does
    (``convert_to_flask_response``: the same request class, URL, headers and error answers),
    without the dispatcher and Flask around it. None (moto answers) for anything unusual: a
    compressed body, a CORS request, a path other than ``/``."""
    environ = request.environ
    if (environ.get("PATH_INFO") != "/" or not request.headers.get("X-Amz-Target", "").startswith(_DYNAMODB_TARGET)
            or "HTTP_ORIGIN" in environ or environ.get("HTTP_CONTENT_ENCODING")):
        return None
    scope = CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if scope is None or scope["service"] != "dynamodb":
        return None
    from botocore.exceptions import ClientError
    from moto.dynamodb.responses import DynamoHandler
    from moto.moto_server.werkzeug_app import DISABLE_GLOBAL_CORS, BackendRequest
    from werkzeug.exceptions import HTTPException

    moto_request = BackendRequest(environ)
    try:
        result: Any = DynamoHandler.dispatch(moto_request, moto_request.raw_url, dict(moto_request.headers))
    except ClientError as error:  # as moto's view answers it
        result = 400, {}, error.response["Error"]["Message"]
    except HTTPException as error:  # as Flask answers an HTTPException the view raised
        return error.get_response(environ)
    status, headers, body = result if len(result) == 3 else (200, {}, result)
    response = _FlaskLikeResponse(response=body, status=status, headers=headers)
    if not DISABLE_GLOBAL_CORS:  # what flask-cors adds to every answer of moto's app
        response.headers.setdefault("Access-Control-Allow-Origin", "*")
    return response


class _FlaskLikeResponse(Response):
    """Flask's Response defaults (``text/html``), which moto's answers without a Content-Type get."""

    default_mimetype = "text/html"
