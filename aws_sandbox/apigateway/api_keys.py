"""CreateApiKey and UpdateApiKey checks AWS makes and moto did not (AWS-recorded in LocalStack's
validated ``test_apigateway_extended.py::TestApigatewayApiKeysCrud``): a name of at most 1,024
characters, a value of 20 to 128, a description of at most 125,000; UpdateApiKey replaces only
``/description``, ``/enabled``, ``/name`` and ``/customerId`` (moto ignored any other path, and a
patch is checked whole before any of it applies).
"""
from __future__ import annotations

from typing import Any

from .patch_operations import bad_request

MAX_NAME, MAX_VALUE, MAX_DESCRIPTION = 1024, 128, 125_000
UPDATABLE = ("/description", "/enabled", "/name", "/customerId")
BAD_DESCRIPTION = "Invalid API Key description specified."


def _check_create(payload: dict[str, Any]) -> None:
    if len(payload.get("name") or "") > MAX_NAME:
        raise bad_request(f"Invalid API Key name, can be at most {MAX_NAME} characters.")
    if len(payload.get("value") or "") > MAX_VALUE:
        raise bad_request(f"API Key value exceeds maximum size of {MAX_VALUE} characters")
    if len(payload.get("description") or "") > MAX_DESCRIPTION:
        raise bad_request(BAD_DESCRIPTION)


def _check_update(patch_operations: list[dict[str, Any]]) -> None:
    for operation in patch_operations:
        path, value = operation.get("path"), operation.get("value")
        if operation.get("op") == "replace" and path not in UPDATABLE:
            raise bad_request(f"Invalid patch path  '{path}' specified for op 'replace'. "
                              f"Must be one of: [{', '.join(UPDATABLE)}]")
        if path == "/description" and len(value or "") > MAX_DESCRIPTION:
            raise bad_request(BAD_DESCRIPTION)


_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    from moto.apigateway.models import APIGatewayBackend

    from ..patching import replace

    def create_api_key(self: Any, payload: dict[str, Any]) -> Any:
        _check_create(payload)
        return original_create(self, payload)

    def update_api_key(self: Any, api_key_id: str, patch_operations: Any) -> Any:
        _check_update(patch_operations or [])
        return original_update(self, api_key_id, patch_operations)

    original_create = replace(APIGatewayBackend, "create_api_key", create_api_key)
    original_update = replace(APIGatewayBackend, "update_api_key", update_api_key)
    _installed = True
