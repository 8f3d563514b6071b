"""Request validators: required method request parameters, and the body against a model.

Models are JSON Schema draft 4 (jsonschema's Draft4Validator); a model may ``$ref`` another
by its URL ``https://apigateway.amazonaws.com/restapis/{api}/models/{name}``. Validators are
compiled once per deployment and content type.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .deployments import Method, Snapshot
from .gatewayresponses import GatewayError

if TYPE_CHECKING:
    from jsonschema import Draft4Validator

# API Gateway's built-in model, used by the console's "Empty" response models.
EMPTY_MODEL = {"$schema": "http://json-schema.org/draft-04/schema#", "title": "Empty Schema", "type": "object"}


def validate(snapshot: Snapshot, method: Method, content_type: str, body: bytes,
             query: dict[str, Any], headers: Any, path_params: dict[str, str]) -> None:
    """Raise BAD_REQUEST_PARAMETERS / BAD_REQUEST_BODY as the method's validator requires."""
    if not method.validator_id or method.validator_id not in snapshot.validators:
        return
    check_body, check_parameters = snapshot.validators[method.validator_id]
    if check_parameters:
        missing = [name.rsplit(".", 1)[1] for name, required in sorted(method.request_parameters.items())
                   if required and not _present(name, query, headers, path_params)]
        if missing:
            raise GatewayError("BAD_REQUEST_PARAMETERS",
                               f"Missing required request parameters: [{', '.join(missing)}]")
    if check_body and method.request_models:
        model = method.request_models.get(content_type) or method.request_models.get("$default")
        if model is None:
            return
        validator = _validator(snapshot, model)
        try:
            instance = json.loads(body or b"{}")
        except (ValueError, RecursionError):  # RecursionError: nested too deep to parse
            raise GatewayError("BAD_REQUEST_BODY", "Invalid request body",
                               "[Invalid JSON in request body]") from None
        try:
            errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
        except RecursionError:  # nested deeper than the validator can walk
            raise GatewayError("BAD_REQUEST_BODY", "Invalid request body",
                               "[The request body is nested too deeply]") from None
        if errors:
            raise GatewayError("BAD_REQUEST_BODY", "Invalid request body",
                               "[" + ", ".join(_describe(e) for e in errors) + "]")


def _present(name: str, query: dict[str, Any], headers: Any, path_params: dict[str, str]) -> bool:
    _, _, where, key = name.split(".", 3)
    if where == "querystring":
        return key in query
    if where == "header":
        return key in headers
    if where == "path":
        return bool(path_params.get(key))
    return True


def _validator(snapshot: Snapshot, model_name: str) -> Draft4Validator:
    cached = snapshot.validator_cache.get(model_name)
    if cached is None:
        # jsonschema costs ~0.4 s to import: the sandbox's start does without it until a model
        # first validates a body.
        from jsonschema import Draft4Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT4

        base = f"https://apigateway.amazonaws.com/restapis/{snapshot.api_id}/models/"
        registry = Registry().with_resources(
            (base + name, Resource.from_contents(schema, default_specification=DRAFT4))
            for name, schema in snapshot.models.items()
        )
        schema = snapshot.models.get(model_name) or (EMPTY_MODEL if model_name == "Empty" else {})
        cached = snapshot.validator_cache[model_name] = Draft4Validator(schema, registry=registry)
    return cached


def _describe(error: Any) -> str:
    """AWS's wording (from its Java validator) for the common cases; jsonschema's otherwise."""
    if error.validator == "required":
        missing = [name for name in error.validator_value if name not in (error.instance or {})]
        return f"object has missing required properties ({json.dumps(missing, separators=(',', ':'))})"
    if error.validator == "type":
        allowed = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        actual = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
            type(error.instance), "integer" if isinstance(error.instance, int) else "number")
        return (f"instance type ({actual}) does not match any allowed primitive type "
                f"(allowed: {json.dumps(allowed, separators=(',', ':'))})")
    return error.message
