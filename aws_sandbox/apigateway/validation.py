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
    """AWS's wording (from its Java validator) for the common keywords; jsonschema's otherwise."""
    keyword, expected, instance = error.validator, error.validator_value, error.instance
    if keyword == "required":
        missing = [name for name in expected if name not in (instance or {})]
        return f"object has missing required properties ({_json_list(missing)})"
    if keyword == "type":
        allowed = expected if isinstance(expected, list) else [expected]
        actual = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
            type(instance), "integer" if isinstance(instance, int) else "number")
        return f"instance type ({actual}) does not match any allowed primitive type (allowed: {_json_list(allowed)})"
    if keyword == "additionalProperties" and isinstance(instance, dict):
        known = set(error.schema.get("properties", {}))
        extra = sorted(name for name in instance if name not in known)
        return f"object instance has properties which are not allowed by the schema: {_json_list(extra)}"
    wording = _WORDING.get(keyword)
    if wording is None:
        return error.message
    size = len(instance) if isinstance(instance, (list, str, dict)) else instance
    # A lone surrogate cannot be encoded: Java writes "?" for it, and so do we.
    shown = json.dumps(instance, ensure_ascii=False).encode("utf-8", "replace").decode("utf-8")
    return wording.format(expected=expected, found=size, instance=shown)


def _json_list(values: list[str]) -> str:
    return json.dumps(values, separators=(",", ":"), ensure_ascii=False)


# The Java validator's messages for the keywords an order model uses (bounds and patterns):
# they name the limit and what was found, never the whole (possibly huge) value.
_WORDING = {
    "minItems": "array is too short: must have at least {expected} elements but instance has {found} elements",
    "maxItems": "array is too long: must have at most {expected} elements but instance has {found} elements",
    "minLength": "string {instance} is too short (length: {found}, required minimum: {expected})",
    "maxLength": "string {instance} is too long (length: {found}, maximum allowed: {expected})",
    "minimum": "numeric instance is lower than the required minimum (minimum: {expected}, found: {found})",
    "maximum": "numeric instance is greater than the required maximum (maximum: {expected}, found: {found})",
    "pattern": "ECMA 262 regex \"{expected}\" does not match input string {instance}",
    "maxProperties": "object has too many properties (found {found}, maximum allowed {expected})",
}
