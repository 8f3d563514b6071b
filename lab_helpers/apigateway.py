"""The orders REST API, declared as data and made real with create-or-update calls.

POST /orders                  → Step Functions StartExecution (the order workflow)
GET  /orders/{orderId}/status → DynamoDB GetItem on the orders table

Every request that builds the API is an ``ApiRequest`` (the boto3 operation and its
parameters), so a notebook can show exactly what is sent, and a learner can send the same
requests by hand or with the AWS CLI. Everything the recipe got wrong is fixed here:
- the execution is named after the orderId, so a retried POST cannot start a second workflow
  (Step Functions answers ``ExecutionAlreadyExists``, mapped to 409; the recipe sent no name);
- the request body is escaped for JSON *and* apostrophes are un-escaped afterwards
  (``$util.escapeJavaScript`` writes ``\\'``, which JSON does not allow);
- the response is valid JSON (``$input.json`` already adds quotes; the recipe added more);
- an unknown order is a 404, not a 200 with empty fields;
- a bounded model and a request validator refuse a malformed or oversized order with a 400 that
  names the problem, before anything starts.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from .backend import client, endpoint_url, tags
from .config import names, settings

STAGE = "prod"
VALIDATOR_NAME = "body-and-parameters"
ORDER_MODEL_NAME = "OrderRequest"

# Bounds that keep every accepted order far inside AWS's limits: the order becomes the
# execution's input, and its state data (input + the services' answers, about 2.5x the input
# per item) must stay under 256 KiB; the orderId becomes the execution name (1-80 characters).
MAX_ITEMS = 100
MAX_QUANTITY = 1000
MAX_ID_LENGTH = 64

# JSON Schema draft 4, the dialect API Gateway models use. Patterns are written with \uXXXX
# escapes, which Java's, JavaScript's and Python's regex engines all read the same way.
# - orderId: the characters Step Functions allows in an execution name.
# - userId: letters, digits and . _ @ ' - only: no spaces, no control characters, no lone
#   UTF-16 surrogate (a "\ud800" in the JSON text), which cannot be encoded as UTF-8.
# - productId: any character of the Basic Multilingual Plane except control characters and
#   surrogates (so "café", quotes and 東京 are fine), at most 64 of them.
# - nothing else: without "additionalProperties": false one client could add a 10 MB field
#   that API Gateway accepts and Step Functions then refuses.
ORDER_MODEL: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": ORDER_MODEL_NAME,
    "type": "object",
    "required": ["orderId", "userId", "items"],
    "properties": {
        "orderId": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,80}$"},
        "userId": {"type": "string", "pattern": f"^[A-Za-z0-9._@'-]{{1,{MAX_ID_LENGTH}}}$"},
        "items": {
            "type": "array", "minItems": 1, "maxItems": MAX_ITEMS,
            "items": {
                "type": "object",
                "required": ["productId", "quantity"],
                "properties": {
                    "productId": {"type": "string",
                                  "pattern": f"^[\\u0020-\\ud7ff\\ue000-\\uffff]{{1,{MAX_ID_LENGTH}}}$"},
                    "quantity": {"type": "integer", "minimum": 1, "maximum": MAX_QUANTITY},
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}

# Velocity turns nothing inside "..." into escapes, so "\\'" is the regex \\' : a backslash-quote.
UNESCAPE_APOSTROPHE = '.replaceAll("\\\\\'","\'")'

START_ORDER_TEMPLATE = """#set($orderId = $input.path('$.orderId'))
{
  "stateMachineArn": "%(state_machine_arn)s",
  "name": "$orderId",
  "input": "$util.escapeJavaScript($input.json('$'))%(unescape)s"
}"""

ORDER_ACCEPTED_TEMPLATE = """#set($arn = $input.path('$.executionArn'))
#set($nameStart = $arn.lastIndexOf(":") + 1)
{"orderId": "$arn.substring($nameStart)", "executionArn": $input.json('$.executionArn')}"""

# Step Functions answers 400 ExecutionAlreadyExists when the orderId was used before (with a
# different body, or after that workflow finished); its message quotes the execution ARN.
START_REFUSED_TEMPLATE = """#set($type = $input.path('$.__type'))
#set($message = $input.path('$.message'))
#if($type.contains("ExecutionAlreadyExists"))
#set($from = $message.indexOf("'") + 1)
#set($to = $message.lastIndexOf("'"))
#set($arn = $message.substring($from, $to))
#set($nameStart = $arn.lastIndexOf(":") + 1)
{"message": "An order with this orderId was already submitted", "orderId": "$arn.substring($nameStart)"}
#elseif($type.contains("ThrottlingException"))
#set($context.responseOverride.status = 429)
{"message": "Too many orders at once, please retry", "error": "ThrottlingException"}
#else
#set($context.responseOverride.status = 400)
{"message": "The order could not be started", "error": "$util.escapeJavaScript($type)"}
#end"""

BACKEND_ERROR_TEMPLATE = '{"message": "The order service is unavailable, please retry"}'

GET_STATUS_TEMPLATE = """{
  "TableName": "%(orders_table)s",
  "Key": {"orderId": {"S": "$util.escapeJavaScript($input.params('orderId'))%(unescape)s"}},
  "ConsistentRead": true
}"""

STATUS_TEMPLATE = """#set($item = $input.path('$.Item'))
#if($item == "")
#set($context.responseOverride.status = 404)
{"message": "Order not found", "orderId": "$util.escapeJavaScript($input.params('orderId'))%(unescape)s"}
#else
#set($total = $input.path('$.Item.orderTotal.N'))
#set($reason = $input.path('$.Item.reason.S'))
{
  "orderId": "$util.escapeJavaScript($input.path('$.Item.orderId.S'))",
  "status": "$util.escapeJavaScript($input.path('$.Item.status.S'))",
#if("$!reason" != "")
  "reason": "$util.escapeJavaScript($reason)%(unescape)s",
#end
  "orderTotal": #if("$!total" != "")$total#{else}null#end

}
#end"""

# API Gateway's own 400 for a body the model refuses. Its default answer is only
# {"message": "Invalid request body"}; the validator's words are in
# $context.error.validationErrorString. Gateway response templates are not Velocity: only
# $context / $stageVariables / $method.request substitutions, no $util.
BAD_REQUEST_BODY_TEMPLATE = ('{"message": $context.error.messageString, '
                             '"problems": "$context.error.validationErrorString"}')


@dataclass(frozen=True)
class ApiRequest:
    """One API Gateway control-plane request, as data: the boto3 operation and its parameters.

    The parameter names are the API's own, so the same dict saved as JSON is what
    ``aws apigateway <operation-with-dashes> --cli-input-json file://request.json`` takes.

    >>> request = lab.model_request(api_id)
    >>> request.operation, request.params["name"]
    ('create_model', 'OrderRequest')
    """

    operation: str
    params: dict[str, Any]

    def send(self) -> dict[str, Any]:
        """Send the request on the active backend; return the answer."""
        return getattr(client("apigateway"), self.operation)(**self.params)

    def cli(self) -> str:
        """The AWS CLI command that sends the same request from a JSON file of ``params``."""
        return f"aws apigateway {self.operation.replace('_', '-')} --cli-input-json file://request.json"

    def __str__(self) -> str:
        # One parameter a line; a multi-line template is printed as it reads, after the call.
        lines, templates = [f"apigateway.{self.operation}("], []
        for key, value in self.params.items():
            if isinstance(value, dict) and any(isinstance(v, str) and "\n" in v for v in value.values()):
                templates += [(f"{key}[{k!r}]", v) for k, v in value.items() if "\n" in v]
                value = {k: "<template below>" if "\n" in v else v for k, v in value.items()}
            lines.append(f"    {key}={_literal(value)},")
        lines.append(")")
        for name, template in templates:
            lines += [f"  {name}:", *("    " + line for line in template.splitlines())]
        return "\n".join(lines)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))


def _literal(value: Any) -> str:
    """Python's repr, except a string holding backslashes: a raw string, as it is typed."""
    if isinstance(value, str) and "\\" in value and "'" not in value and not value.endswith("\\"):
        return f"r'{value}'"
    return repr(value)


@dataclass(frozen=True)
class Response:
    """One integration response and the method response it maps to."""

    status: str
    template: str
    selection_pattern: str | None = None


@dataclass(frozen=True)
class Method:
    """One method of the API and its AWS service integration."""

    path: str
    http_method: str
    action: str  # "<service>:action/<Action>"
    request_template: str
    responses: list[Response]
    model: str | None = None
    request_parameters: dict[str, bool] = field(default_factory=dict)
    validate: bool = False
    api_key_required: bool = False  # clients must send the x-api-key of a key in a usage plan of the stage


def orders_api_methods(state_machine_arn: str, orders_table: str) -> list[Method]:
    """The whole API as data: paths, integrations, templates and responses."""
    values = {"state_machine_arn": state_machine_arn, "orders_table": orders_table,
              "unescape": UNESCAPE_APOSTROPHE}
    return [
        Method("/orders", "POST", "states:action/StartExecution", START_ORDER_TEMPLATE % values, [
            Response("200", ORDER_ACCEPTED_TEMPLATE),
            Response("409", START_REFUSED_TEMPLATE, selection_pattern=r"4\d{2}"),
            Response("500", BACKEND_ERROR_TEMPLATE, selection_pattern=r"5\d{2}"),
        ], model=ORDER_MODEL_NAME, request_parameters={"method.request.header.Content-Type": False},
            validate=True),
        Method("/orders/{orderId}/status", "GET", "dynamodb:action/GetItem", GET_STATUS_TEMPLATE % values, [
            Response("200", STATUS_TEMPLATE % values),
            Response("500", BACKEND_ERROR_TEMPLATE, selection_pattern=r"5\d{2}"),
        ], request_parameters={"method.request.path.orderId": True}, validate=True),
    ]


# --- the requests, as data ---------------------------------------------------------------------

def rest_api_request(name: str | None = None, description: str = "API composition workshop: orders") -> ApiRequest:
    """CreateRestApi for the orders API, or another (sent only when no API of that name exists)."""
    return ApiRequest("create_rest_api", {
        "name": name or names().api, "description": description,
        "endpointConfiguration": {"types": ["REGIONAL"]}, "tags": tags()})


def model_request(api_id: str, name: str = ORDER_MODEL_NAME, model: dict[str, Any] = ORDER_MODEL,
                  description: str = "An order as POST /orders accepts it") -> ApiRequest:
    """CreateModel: a JSON Schema (the order's by default) the request validator checks bodies against."""
    return ApiRequest("create_model", {
        "restApiId": api_id, "name": name, "contentType": "application/json",
        "description": description, "schema": json.dumps(model)})


def validator_request(api_id: str) -> ApiRequest:
    """CreateRequestValidator: check the body against the model and the required parameters."""
    return ApiRequest("create_request_validator", {
        "restApiId": api_id, "name": VALIDATOR_NAME,
        "validateRequestBody": True, "validateRequestParameters": True})


def method_requests(api_id: str, resource_id: str, method: Method, *, role_arn: str,
                    validator_id: str) -> list[ApiRequest]:
    """PutMethod, PutIntegration, then a PutMethodResponse and PutIntegrationResponse per status.

    >>> [r.operation for r in lab.method_requests(api_id, resource_id, post, role_arn=role, validator_id=v)]
    ['put_method', 'put_integration', 'put_method_response', 'put_integration_response', ...]
    """
    where = {"restApiId": api_id, "resourceId": resource_id, "httpMethod": method.http_method}
    put_method: dict[str, Any] = {**where, "authorizationType": "NONE",
                                  "requestParameters": method.request_parameters}
    if method.api_key_required:
        put_method["apiKeyRequired"] = True
    if method.validate:
        put_method["requestValidatorId"] = validator_id
    if method.model:
        put_method["requestModels"] = {"application/json": method.model}
    requests = [
        ApiRequest("put_method", put_method),
        ApiRequest("put_integration", {
            **where, "type": "AWS", "integrationHttpMethod": "POST",
            "uri": f"arn:aws:apigateway:{settings().region}:{method.action}",
            "credentials": role_arn, "passthroughBehavior": "NEVER",
            "requestTemplates": {"application/json": method.request_template}}),
    ]
    for response in method.responses:
        requests.append(ApiRequest("put_method_response", {**where, "statusCode": response.status}))
        mapping: dict[str, Any] = {**where, "statusCode": response.status}
        if response.selection_pattern:
            mapping["selectionPattern"] = response.selection_pattern
        mapping["responseTemplates"] = {"application/json": response.template}
        requests.append(ApiRequest("put_integration_response", mapping))
    return requests


def bad_request_body_request(api_id: str) -> ApiRequest:
    """PutGatewayResponse: a refused body answers 400 with the validator's own words."""
    return ApiRequest("put_gateway_response", {
        "restApiId": api_id, "responseType": "BAD_REQUEST_BODY", "statusCode": "400",
        "responseTemplates": {"application/json": BAD_REQUEST_BODY_TEMPLATE}})


def deployment_request(api_id: str, stage: str = STAGE) -> ApiRequest:
    """CreateDeployment: a snapshot of the API, served at ``stage``; changes need a new one."""
    return ApiRequest("create_deployment", {
        "restApiId": api_id, "stageName": stage, "description": "deployed by lab_helpers"})


# --- create or update --------------------------------------------------------------------------

def find_rest_api(name: str) -> str | None:
    """The id of the REST API called ``name``, or None."""
    for page in client("apigateway").get_paginator("get_rest_apis").paginate():
        for api in page["items"]:
            if api["name"] == name:
                return api["id"]
    return None


def ensure_rest_api(name: str | None = None, description: str = "API composition workshop: orders") -> str:
    """The id of the API called ``name`` (default: the orders API), created if it does not exist yet."""
    request = rest_api_request(name, description)
    return find_rest_api(request.params["name"]) or request.send()["id"]


def ensure_model(api_id: str, name: str = ORDER_MODEL_NAME, model: dict[str, Any] = ORDER_MODEL,
                 description: str = "An order as POST /orders accepts it") -> None:
    """Create the model (the order's by default), or replace its schema when it differs."""
    apigw = client("apigateway")
    try:
        current = apigw.get_model(restApiId=api_id, modelName=name)
    except ClientError as error:
        if error.response["Error"]["Code"] != "NotFoundException":
            raise
        model_request(api_id, name, model, description).send()
        return
    if json.loads(current.get("schema") or "{}") != model:
        apigw.update_model(restApiId=api_id, modelName=name, patchOperations=[
            {"op": "replace", "path": "/schema", "value": json.dumps(model)}])


def ensure_validator(api_id: str) -> str:
    """The id of the body-and-parameters validator, created if missing."""
    for validator in client("apigateway").get_request_validators(restApiId=api_id).get("items", []):
        if validator["name"] == VALIDATOR_NAME:
            return validator["id"]
    return validator_request(api_id).send()["id"]


def ensure_resources(api_id: str, paths: list[str]) -> dict[str, str]:
    """Resource ids by path, creating the missing ones (CreateResource) parent first.

    >>> lab.ensure_resources(api_id, ["/orders", "/orders/{orderId}/status"])
    {'/': '...', '/orders': '...', '/orders/{orderId}': '...', '/orders/{orderId}/status': '...'}
    """
    apigw = client("apigateway")
    ids: dict[str, str] = {}
    for page in apigw.get_paginator("get_resources").paginate(restApiId=api_id):
        ids.update({resource["path"]: resource["id"] for resource in page["items"]})
    for path in paths:
        parts = path.strip("/").split("/")
        for depth in range(1, len(parts) + 1):
            sub_path = "/" + "/".join(parts[:depth])
            if sub_path not in ids:
                parent = "/" + "/".join(parts[:depth - 1])
                ids[sub_path] = apigw.create_resource(restApiId=api_id, parentId=ids[parent],
                                                      pathPart=parts[depth - 1])["id"]
    return ids


def ensure_method(requests: list[ApiRequest]) -> None:
    """(Re)declare one method from its ``method_requests``: delete what is there, then send them.

    PutMethod on an existing method is refused (ConflictException), so an update is a
    delete and a put. Clients are not affected meanwhile: they call the deployed snapshot.
    """
    where = {k: requests[0].params[k] for k in ("restApiId", "resourceId", "httpMethod")}
    try:
        client("apigateway").delete_method(**where)
    except ClientError as error:
        if error.response["Error"]["Code"] != "NotFoundException":
            raise
    for request in requests:
        request.send()


def ensure_orders_api(*, state_machine_arn: str, role_arn: str, orders_table: str | None = None,
                      name: str | None = None, stage: str = STAGE) -> dict[str, str]:
    """Create or update the orders API and deploy it to ``stage``; return its id and invoke URL.

    Sends exactly the requests notebook 05 shows, one by one.

    >>> api = lab.ensure_orders_api(state_machine_arn=machine_arn, role_arn=roles["apicomp-apigateway-role"])
    >>> api["url"]
    'http://127.0.0.1:4599/_aws/execute-api/<api id>/prod'
    """
    api_id = ensure_rest_api(name)
    ensure_model(api_id)
    validator_id = ensure_validator(api_id)
    methods = orders_api_methods(state_machine_arn, orders_table or names().orders_table)
    resource_ids = ensure_resources(api_id, [m.path for m in methods])
    for method in methods:
        ensure_method(method_requests(api_id, resource_ids[method.path], method,
                                      role_arn=role_arn, validator_id=validator_id))
    bad_request_body_request(api_id).send()
    deployment_request(api_id, stage).send()
    return {"id": api_id, "stage": stage, "url": invoke_url(api_id, stage)}


def invoke_url(api_id: str, stage: str = STAGE) -> str:
    """The base URL clients call, on the active backend.

    >>> lab.invoke_url(api["id"])
    'http://127.0.0.1:4599/_aws/execute-api/<api id>/prod'
    """
    current = settings()
    if current.backend == "aws":
        return f"https://{api_id}.execute-api.{current.region}.amazonaws.com/{stage}"
    return f"{endpoint_url()}/_aws/execute-api/{api_id}/{stage}"
