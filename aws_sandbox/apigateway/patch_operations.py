"""UpdateMethod, UpdateIntegration and UpdateGatewayResponse (PATCH operations), which moto 5.2.5 does not
serve (it answers 500), and UpdateUsagePlan's ``/throttle/rateLimit``, which moto could only take as a
whole number.

UpdateMethod follows what AWS answers (LocalStack's AWS-recorded ``test_update_method`` and
``test_update_method_validation``, copied to ``tests/conformance/apigw_patch_cases.json``):
``/operationName``, ``/apiKeyRequired``, ``/authorizationType``, ``/authorizerId`` and
``/requestValidatorId`` take ``replace`` only; ``/requestParameters/<name>`` and
``/requestModels/<content~1type>`` take ``add``, ``replace`` and ``remove``; any other path is
refused; a boolean is true only for the text ``true``; CUSTOM or COGNITO_USER_POOLS needs an
existing authorizer, and an authorizer id on any other type is ignored. UpdateIntegration takes
the paths API Gateway's documentation lists. A patch is applied whole or not at all.
"""
from __future__ import annotations

import copy
import json
from typing import Any

METHOD_FIELDS = {"/operationName": "operation_name", "/apiKeyRequired": "api_key_required",
                 "/authorizationType": "authorization_type", "/authorizerId": "authorizer_id",
                 "/requestValidatorId": "request_validator_id"}
INTEGRATION_FIELDS = {"/uri": "uri", "/httpMethod": "http_method", "/credentials": "credentials",
                      "/passthroughBehavior": "passthrough_behaviour", "/timeoutInMillis": "timeout_in_millis",
                      "/contentHandling": "content_handling", "/cacheNamespace": "cache_namespace",
                      "/connectionType": "connection_type"}
AUTHORIZED_TYPES = ("CUSTOM", "COGNITO_USER_POOLS")


def bad_request(message: str) -> Exception:
    """A control-plane 400 BadRequestException, as moto's API Gateway raises them."""
    from moto.apigateway.exceptions import BadRequestException

    return BadRequestException(message)


def not_found(message: str) -> Exception:
    """A control-plane 404 NotFoundException."""
    from moto.apigateway.exceptions import NotFoundException

    error = NotFoundException(message)
    error.code = 404  # moto's NotFoundException answers 400 unless a subclass says otherwise
    return error


def _locate(self: Any) -> tuple[Any, Any, Any]:
    """(api, resource, method) named by ``/restapis/{api}/resources/{resource}/methods/{method}...``."""
    parts = self.path.split("/")
    api = self.backend.apis.get(parts[2])
    resource = api.resources.get(parts[4]) if api is not None else None
    if resource is None:
        raise not_found("Invalid Resource identifier specified")
    method = resource.resource_methods.get(parts[6])
    if method is None:
        raise not_found("Invalid Method identifier specified")
    return api, resource, method


def _operations(self: Any) -> list[dict[str, Any]]:
    return json.loads(self.body or "{}").get("patchOperations") or []


def _map_entry(target: Any, attribute: str, key: str, op: str, value: Any) -> None:
    """add/replace/remove one entry of a map attribute (requestParameters, requestModels, ...)."""
    entries = dict(getattr(target, attribute) or {})
    if op == "remove":
        entries.pop(key, None)
    else:
        entries[key] = value
    setattr(target, attribute, entries or None)


def _unescape(segment: str) -> str:
    return segment.replace("~1", "/").replace("~0", "~")


def _compact(answer: dict[str, Any]) -> dict[str, Any]:
    """AWS leaves out what is not set (moto writes nulls and empty maps)."""
    return {k: v for k, v in answer.items() if v not in (None, {}, [])}


def _check_api_stage(plan: Any, operation: dict[str, Any]) -> None:
    """An ``/apiStages`` value is ``{apiId}:{stage}``; one removed must be in the plan (AWS-recorded
    ``test_usage_plan_crud``: 400 for no value or no ``:``, 404 naming the pair otherwise)."""
    value = operation.get("value")
    if not isinstance(value, str) or ":" not in value:
        raise bad_request("Invalid API Stage specified")
    api_id, _, stage = value.partition(":")
    if operation.get("op") == "remove" and {"apiId": api_id, "stage": stage} not in plan.api_stages:
        raise not_found(f"Invalid API Stage {{api: {api_id}, stage: {stage}}} specified for usageplan {plan.id}")


def usage_plan_patches(moto_apply: Any) -> Any:
    """moto's ``UsagePlan.apply_patch_operations``, with the numbers typed as AWS types them:
    ``/throttle/rateLimit`` a double ("2.5" is valid; moto's ``int()`` failed with a 500), and
    ``/quota/limit`` and ``/quota/offset`` integers (moto kept the text); a quota has an ``offset``
    (0 unless given, as AWS answers); ``/apiStages`` values checked (moto failed with a 500)."""
    numbers = {"/throttle/rateLimit": ("throttle", "rateLimit", float),
               "/quota/limit": ("quota", "limit", int), "/quota/offset": ("quota", "offset", int)}

    def apply_patch_operations(self: Any, patch_operations: list[dict[str, Any]]) -> None:
        for operation in patch_operations:
            if operation.get("path") == "/apiStages" and operation.get("op") in ("add", "remove"):
                _check_api_stage(self, operation)
        rest = []
        for operation in patch_operations:
            target = numbers.get(operation.get("path"))
            if target is not None and operation.get("op") in ("add", "replace"):
                field, key, kind = target
                try:
                    getattr(self, field)[key] = kind(operation["value"])
                except (KeyError, TypeError, ValueError):
                    raise bad_request(f"Invalid value {operation.get('value')!r} for {operation['path']}") from None
            else:
                rest.append(operation)
        moto_apply(self, rest)
        if self.quota:
            self.quota.setdefault("offset", 0)

    return apply_patch_operations


def update_method_response(self: Any) -> str:
    """``APIGatewayResponse.update_method``."""
    api, resource, method = _locate(self)
    patched = copy.copy(method)
    for operation in _operations(self):
        op, path, value = operation.get("op"), operation.get("path", ""), operation.get("value")
        if path in METHOD_FIELDS:
            if op != "replace":
                raise bad_request("Invalid patch operation specified. Must be one of: [replace]")
            if path == "/apiKeyRequired":
                value = str(value).lower() == "true"
            if path == "/requestValidatorId" and value not in api.request_validators:
                raise bad_request("Invalid Request Validator identifier specified")
            setattr(patched, METHOD_FIELDS[path], value)
        elif path.startswith("/requestParameters/") and op in ("add", "replace", "remove"):
            _map_entry(patched, "request_parameters", path[len("/requestParameters/"):], op,
                       str(value).lower() == "true")
        elif (path.startswith("/requestModels/") and path.count("/") == 2
              and op in ("add", "replace", "remove")):
            _map_entry(patched, "request_models", _unescape(path[len("/requestModels/"):]), op, value)
        else:
            raise bad_request(f"Invalid patch path {path}")
    if patched.authorization_type in AUTHORIZED_TYPES:
        if patched.authorizer_id not in api.authorizers:
            raise bad_request("Invalid authorizer ID specified. Setting the authorization type to CUSTOM or "
                       "COGNITO_USER_POOLS requires a valid authorizer.")
    else:
        patched.authorizer_id = None  # AWS ignores an authorizer for NONE and AWS_IAM
    method.__dict__.update(patched.__dict__)
    answer = method.to_json()
    answer["methodResponses"] = answer.get("methodResponses") or None
    return json.dumps(_compact(answer))


def update_integration_response(self: Any) -> str:
    """``APIGatewayResponse.update_integration``."""
    _, _, method = _locate(self)
    integration = method.method_integration
    if integration is None:
        raise not_found("Invalid Integration identifier specified")
    patched = copy.copy(integration)
    for operation in _operations(self):
        op, path, value = operation.get("op"), operation.get("path", ""), operation.get("value")
        if path in INTEGRATION_FIELDS:
            if op != "replace":
                raise bad_request("Invalid patch operation specified. Must be one of: [replace]")
            if path == "/timeoutInMillis":
                try:
                    value = int(value)
                except (TypeError, ValueError):
                    raise bad_request(f"Invalid timeout value {value!r}") from None
                if not 50 <= value <= 29000:
                    raise bad_request("Timeout should be between 50 ms and 29000 ms")
            setattr(patched, INTEGRATION_FIELDS[path], value)
        elif path.startswith("/requestTemplates/") and path.count("/") == 2 and op in ("add", "replace", "remove"):
            _map_entry(patched, "request_templates", _unescape(path[len("/requestTemplates/"):]), op, value)
        elif path.startswith("/requestParameters/") and op in ("add", "replace", "remove"):
            _map_entry(patched, "request_parameters", path[len("/requestParameters/"):], op, value)
        else:
            raise bad_request(f"Invalid patch path {path}")
    integration.__dict__.update(patched.__dict__)
    return json.dumps(_compact(integration.to_json()))


_installed = False


def update_gateway_response(self: Any) -> tuple[int, dict[str, str], str]:
    """``APIGatewayResponse.update_gateway_response``, as AWS-recorded ``test_update_gateway_response``:
    a type not customised starts from its default; ``/statusCode`` takes ``replace`` only;
    ``/responseParameters/<name>`` and ``/responseTemplates/<content~1type>`` take add, replace and
    remove, never an empty value, and a parameter replaced must exist."""
    parts = self.path.split("/")
    api = self.backend.get_rest_api(parts[2])
    patched = copy.copy(api.get_gateway_response(parts[4]))
    patched.response_parameters = dict(patched.response_parameters or {})
    patched.response_templates = dict(patched.response_templates or {})
    maps = {"/responseParameters/": ("response_parameters", "responseParameters"),
            "/responseTemplates/": ("response_templates", "responseTemplates")}
    for operation in _operations(self):
        op, path, value = operation.get("op"), operation.get("path"), operation.get("value")
        prefix = next((p for p in maps if (path or "").startswith(p) and len(path) > len(p)), None)
        if path == "/statusCode" and op == "replace":
            patched.status_code = value
        elif prefix is not None and op in ("add", "replace", "remove"):
            attribute, name = maps[prefix]
            target, key = getattr(patched, attribute), _unescape(path[len(prefix):])
            if op != "remove" and not value:
                raise bad_request(f"Invalid null or empty value in {name}")
            if op == "replace" and attribute == "response_parameters" and key not in target:
                raise not_found("Invalid parameter name specified")
            _map_entry(patched, attribute, key, op, value)
        else:
            raise bad_request(f"Invalid patch path {path if path is not None else 'null'}")
    patched.response_parameters = patched.response_parameters or {}
    patched.response_templates = patched.response_templates or {}
    patched.default_response = False
    api.gateway_responses[patched.response_type] = patched
    return 200, {}, json.dumps(patched.to_json())


def install() -> None:
    """Give moto's API Gateway responses the two PATCH operations."""
    global _installed
    if _installed:
        return
    from moto.apigateway.models import UsagePlan
    from moto.apigateway.responses import APIGatewayResponse

    from ..patching import replace

    replace(UsagePlan, "apply_patch_operations", usage_plan_patches(UsagePlan.apply_patch_operations))
    # moto has neither (its dispatcher answers 500 "not implemented"): added, not replaced.
    APIGatewayResponse.update_method = update_method_response
    APIGatewayResponse.update_integration = update_integration_response
    APIGatewayResponse.update_gateway_response = update_gateway_response
    _installed = True
