"""Defining a REST API (models, request validators, methods) as AWS answers it, where moto did not.

Each rule is AWS-recorded in LocalStack's validated ``test_apigateway_api.py`` and
``test_apigateway_common.py`` snapshots (``tests/sandbox/test_apigateway_control_plane.py``):

- an unknown API id is a 404 ``Invalid API identifier specified {account}:{id}`` (moto: ``Invalid
  Rest API Id specified``);
- a new REST API has the models ``Empty`` and ``Error``, as on AWS, so methods can name them;
- PutMethod refuses an HTTP method API Gateway lacks, CUSTOM/COGNITO_USER_POOLS without an existing
  authorizer, and a request validator or model the API does not have (moto stored them, and a method
  whose validator id was mistyped validated nothing);
- CreateModel refuses an empty name, an existing name (409) and a missing schema; a model that is not
  there is ``Invalid model name specified: {name}``;
- request validators: created with both flags ``false`` when not given (moto: null); an unknown one is
  a 404 (moto: 400, or 500 on delete); UpdateRequestValidator takes ``replace`` of ``/name``,
  ``/validateRequestBody``, ``/validateRequestParameters`` only (a flag without a value is ``false``,
  a blank name refused), whole or not at all (moto answered 500 or ignored what it did not know);
- PutIntegration answers what AWS fills in (recorded ``test_put_integration_validation``):
  ``passthroughBehavior`` WHEN_NO_MATCH, ``timeoutInMillis`` 29000, ``connectionType`` INTERNET for
  HTTP and HTTP_PROXY, and no ``uri`` for MOCK (moto left them out, or kept the MOCK's uri);
- gateway responses: GetGatewayResponse(s) answer AWS's defaults for the types not customised
  (``defaultResponse: true``; moto: 404, or none listed); deleting one not customised is a 404.
"""
from __future__ import annotations

import inspect
import json
from typing import Any

from .patch_operations import AUTHORIZED_TYPES, bad_request, not_found

HTTP_METHODS = ("GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD", "ANY")
VALIDATOR_FIELDS = {"/name": "name", "/validateRequestParameters": "validate_request_parameters",
                    "/validateRequestBody": "validate_request_body"}
# The models every new REST API has on AWS (recorded GetModels of test_api_gateway_request_validator_with_ref_models).
DEFAULT_MODELS = {
    "Empty": ("This is a default empty schema model",
              {"$schema": "http://json-schema.org/draft-04/schema#", "title": "Empty Schema", "type": "object"}),
    "Error": ("This is a default error schema model",
              {"$schema": "http://json-schema.org/draft-04/schema#", "title": "Error Schema", "type": "object",
               "properties": {"message": {"type": "string"}}}),
}
NO_VALIDATOR = "Invalid Request Validator identifier specified"


def default_gateway_response(response_type: str) -> Any:
    """The gateway response AWS answers for a type the API has not customised (recorded
    ``test_gateway_response_crud``): its status (none for DEFAULT_4XX/5XX), the default template."""
    from moto.apigateway.models import GatewayResponse

    from .gatewayresponses import DEFAULT_TEMPLATE, TYPES

    status = None if response_type.startswith("DEFAULT_") else TYPES[response_type][0]
    response = GatewayResponse(response_type=response_type, status_code=status, response_parameters={},
                               response_templates={"application/json": DEFAULT_TEMPLATE})
    response.default_response = True
    return response


def _arguments(original: Any, self: Any, args: tuple, kwargs: dict) -> dict[str, Any]:
    bound = inspect.signature(original).bind(self, *args, **kwargs)
    bound.apply_defaults()
    return bound.arguments


def _validator(backend: Any, api_id: str, validator_id: str) -> Any:
    api = backend.apis.get(api_id)
    validator = api.request_validators.get(validator_id) if api is not None else None
    if validator is None:
        raise not_found(NO_VALIDATOR)
    return validator


def _validator_changes(operations: list[dict[str, Any]]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for operation in operations:
        op, path, value = operation.get("op"), operation.get("path"), operation.get("value")
        if op != "replace":
            raise bad_request(f"Invalid patch path  '{path}' specified for op '{op}'. "
                              "Please choose supported operations")
        if path not in VALIDATOR_FIELDS:
            raise bad_request(f"Invalid patch path  '{path}' specified for op 'replace'. "
                              f"Must be one of: [{', '.join(VALIDATOR_FIELDS)}]")
        if path == "/name" and not value:
            raise bad_request("Request Validator name cannot be blank")
        changes[VALIDATOR_FIELDS[path]] = value if path == "/name" else value == "true"
    return changes


_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    from moto.apigateway.exceptions import ConflictException
    from moto.apigateway.models import APIGatewayBackend, RestAPI

    from ..patching import replace

    def get_rest_api(self: Any, function_id: str) -> Any:
        api = self.apis.get(function_id)
        if api is None:
            raise not_found(f"Invalid API identifier specified {self.account_id}:{function_id}")
        return api

    def create_rest_api(self: Any, *args: Any, **kwargs: Any) -> Any:
        api = original["create_rest_api"](self, *args, **kwargs)
        for name, (description, schema) in DEFAULT_MODELS.items():
            api.add_model(name=name, description=description, schema=json.dumps(schema),
                          content_type="application/json")
        return api

    def put_method(self: Any, *args: Any, **kwargs: Any) -> Any:
        given = _arguments(original["put_method"], self, args, kwargs)
        api = self.apis.get(given["function_id"])
        if api is None or given["resource_id"] not in api.resources:
            raise not_found("Invalid Resource identifier specified")
        if given["method_type"] not in HTTP_METHODS:
            raise bad_request(f"Invalid HttpMethod specified. Valid options are {','.join(HTTP_METHODS)}")
        if given["authorization_type"] in AUTHORIZED_TYPES and given["authorizer_id"] not in api.authorizers:
            raise bad_request("Invalid authorizer ID specified. Setting the authorization type to CUSTOM or "
                              "COGNITO_USER_POOLS requires a valid authorizer.")
        if given["request_validator_id"] and given["request_validator_id"] not in api.request_validators:
            raise bad_request(NO_VALIDATOR)
        for model in (given["request_models"] or {}).values():
            if model not in api.models:
                raise bad_request(f"Invalid model identifier specified: {model}")
        return original["put_method"](self, *args, **kwargs)

    def put_integration(self: Any, *args: Any, **kwargs: Any) -> Any:
        from .deployments import DEFAULT_TIMEOUT_MS

        integration = original["put_integration"](self, *args, **kwargs)
        integration.passthrough_behaviour = integration.passthrough_behaviour or "WHEN_NO_MATCH"
        integration.timeout_in_millis = integration.timeout_in_millis or DEFAULT_TIMEOUT_MS
        if integration.integration_type in ("HTTP", "HTTP_PROXY"):
            integration.connection_type = integration.connection_type or "INTERNET"
        if integration.integration_type == "MOCK":
            integration.uri = None
        return integration

    def create_model(self: Any, rest_api_id: str, name: str, content_type: str, description: str,
                     schema: str) -> Any:
        if not name:
            raise bad_request("Model name must be non-empty")
        api = self.get_rest_api(rest_api_id)
        if name in api.models:
            raise ConflictException("Model name already exists for this REST API")
        if not schema:
            raise bad_request("Model schema must have at least 1 property or array items defined")
        return original["create_model"](self, rest_api_id, name, content_type, description, schema)

    def get_model(self: Any, rest_api_id: str, model_name: str) -> Any:
        api = self.apis.get(rest_api_id)
        if api is None or model_name not in api.models:
            raise not_found(f"Invalid model name specified: {model_name}")
        return api.models[model_name]

    def delete_model(self: Any, rest_api_id: str, model_name: str) -> None:
        api = self.apis.get(rest_api_id)
        if api is None or model_name not in api.models:
            raise not_found(f"Invalid model name specified: {model_name}")
        del api.models[model_name]

    def create_request_validator(self: Any, restapi_id: str, name: str, body: bool | None, params: Any) -> Any:
        if restapi_id not in self.apis:
            raise bad_request("Invalid REST API identifier specified")
        return original["create_request_validator"](self, restapi_id, name, bool(body), bool(params))

    def get_request_validator(self: Any, restapi_id: str, validator_id: str) -> Any:
        return _validator(self, restapi_id, validator_id)

    def delete_request_validator(self: Any, restapi_id: str, validator_id: str) -> None:
        _validator(self, restapi_id, validator_id)
        del self.apis[restapi_id].request_validators[validator_id]

    def update_request_validator(self: Any, restapi_id: str, validator_id: str, patch_operations: Any) -> Any:
        validator = _validator(self, restapi_id, validator_id)
        for attribute, value in _validator_changes(patch_operations or []).items():
            setattr(validator, attribute, value)
        return validator

    def get_gateway_response(self: Any, response_type: str) -> Any:
        return self.gateway_responses.get(response_type) or default_gateway_response(response_type)

    def get_gateway_responses(self: Any) -> list[Any]:
        from .gatewayresponses import TYPES

        return [self.get_gateway_response(response_type) for response_type in sorted(TYPES)]

    def delete_gateway_response(self: Any, response_type: str) -> None:
        if self.gateway_responses.pop(response_type, None) is None:
            raise not_found("Gateway response type not defined on api")

    original: dict[str, Any] = {}
    for function in (get_rest_api, create_rest_api, put_method, put_integration, create_model, get_model, delete_model,
                     create_request_validator, get_request_validator, delete_request_validator,
                     update_request_validator):
        original[function.__name__] = replace(APIGatewayBackend, function.__name__, function)
    for function in (get_gateway_response, get_gateway_responses, delete_gateway_response):
        replace(RestAPI, function.__name__, function)
    _installed = True
