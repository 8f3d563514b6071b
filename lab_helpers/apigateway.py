"""The orders REST API, declared in one place and made real with create-or-update calls.

POST /orders                  → Step Functions StartExecution (the order workflow)
GET  /orders/{orderId}/status → DynamoDB GetItem on the orders table

Everything the recipe got wrong is fixed here, in the templates below:
- the execution is named after the orderId, so a retried POST cannot start a second workflow;
  the repeat is answered 409 (the recipe's StartExecution had no name);
- the request body is escaped for JSON *and* apostrophes are un-escaped afterwards
  (``$util.escapeJavaScript`` writes ``\\'``, which JSON does not allow);
- the response is valid JSON (``$input.json`` already adds quotes; the recipe added more);
- an unknown order is a 404, not a 200 with empty fields;
- a model and a request validator reject malformed orders with a 400 before anything starts.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from .backend import client, endpoint_url, tags
from .config import names, settings

STAGE = "prod"

ORDER_MODEL_NAME = "OrderRequest"
# JSON Schema draft 4, the dialect API Gateway models use. The orderId becomes the execution
# name, so it is limited to characters Step Functions allows in a name.
ORDER_MODEL: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": ORDER_MODEL_NAME,
    "type": "object",
    "required": ["orderId", "userId", "items"],
    "properties": {
        "orderId": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,80}$"},
        "userId": {"type": "string", "minLength": 1, "maxLength": 128},
        "items": {
            "type": "array", "minItems": 1,
            "items": {
                "type": "object",
                "required": ["productId", "quantity"],
                "properties": {
                    "productId": {"type": "string", "minLength": 1},
                    "quantity": {"type": "integer", "minimum": 1},
                },
            },
        },
    },
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
    api_key_required: bool = False  # clients must send x-api-key of a key in a usage plan of the stage


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


def find_rest_api(name: str) -> str | None:
    """The id of the REST API called ``name``, or None."""
    for page in client("apigateway").get_paginator("get_rest_apis").paginate():
        for api in page["items"]:
            if api["name"] == name:
                return api["id"]
    return None


def _ensure_api(name: str, description: str = "API composition workshop: orders") -> str:
    api_id = find_rest_api(name)
    if api_id is None:
        api_id = client("apigateway").create_rest_api(
            name=name, description=description, tags=tags(),
            endpointConfiguration={"types": ["REGIONAL"]})["id"]
    return api_id


def _ensure_model(api_id: str, name: str = ORDER_MODEL_NAME, model: dict[str, Any] = ORDER_MODEL,
                  description: str = "An order as POST /orders accepts it") -> None:
    apigw = client("apigateway")
    schema = json.dumps(model)
    try:
        current = apigw.get_model(restApiId=api_id, modelName=name)
    except ClientError as error:
        if error.response["Error"]["Code"] != "NotFoundException":
            raise
        apigw.create_model(restApiId=api_id, name=name, contentType="application/json",
                           schema=schema, description=description)
        return
    if json.loads(current.get("schema") or "{}") != model:
        apigw.update_model(restApiId=api_id, modelName=name,
                           patchOperations=[{"op": "replace", "path": "/schema", "value": schema}])


def _ensure_validator(api_id: str) -> str:
    apigw = client("apigateway")
    for validator in apigw.get_request_validators(restApiId=api_id).get("items", []):
        if validator["name"] == "body-and-parameters":
            return validator["id"]
    return apigw.create_request_validator(restApiId=api_id, name="body-and-parameters",
                                          validateRequestBody=True, validateRequestParameters=True)["id"]


def _ensure_resources(api_id: str, paths: list[str]) -> dict[str, str]:
    """Resource ids by path, creating the missing ones parent first."""
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


def _put_method(api_id: str, resource_id: str, method: Method, role_arn: str, validator_id: str) -> None:
    """(Re)declare a method: remove what is there, then put method, integration and responses."""
    apigw = client("apigateway")
    try:
        apigw.delete_method(restApiId=api_id, resourceId=resource_id, httpMethod=method.http_method)
    except ClientError as error:
        if error.response["Error"]["Code"] != "NotFoundException":
            raise
    extra: dict[str, Any] = {"requestValidatorId": validator_id} if method.validate else {}
    if method.model:
        extra["requestModels"] = {"application/json": method.model}
    apigw.put_method(restApiId=api_id, resourceId=resource_id, httpMethod=method.http_method,
                     authorizationType="NONE", requestParameters=method.request_parameters,
                     apiKeyRequired=method.api_key_required, **extra)
    apigw.put_integration(
        restApiId=api_id, resourceId=resource_id, httpMethod=method.http_method, type="AWS",
        integrationHttpMethod="POST", credentials=role_arn, passthroughBehavior="NEVER",
        uri=f"arn:aws:apigateway:{settings().region}:{method.action}",
        requestTemplates={"application/json": method.request_template})
    for response in method.responses:
        apigw.put_method_response(restApiId=api_id, resourceId=resource_id, httpMethod=method.http_method,
                                  statusCode=response.status)
        pattern = {"selectionPattern": response.selection_pattern} if response.selection_pattern else {}
        apigw.put_integration_response(
            restApiId=api_id, resourceId=resource_id, httpMethod=method.http_method,
            statusCode=response.status, responseTemplates={"application/json": response.template}, **pattern)


def ensure_orders_api(*, state_machine_arn: str, role_arn: str, orders_table: str | None = None,
                      name: str | None = None, stage: str = STAGE) -> dict[str, str]:
    """Create or update the orders API and deploy it to ``stage``; return its id and invoke URL.

    >>> api = lab.ensure_orders_api(state_machine_arn=machine_arn, role_arn=roles["apicomp-apigateway-role"])
    >>> api["url"]
    'http://127.0.0.1:4599/_aws/execute-api/<api id>/prod'
    """
    n = names()
    api_id = _ensure_api(name or n.api)
    _ensure_model(api_id)
    validator_id = _ensure_validator(api_id)
    methods = orders_api_methods(state_machine_arn, orders_table or n.orders_table)
    resource_ids = _ensure_resources(api_id, [m.path for m in methods])
    for method in methods:
        _put_method(api_id, resource_ids[method.path], method, role_arn, validator_id)
    client("apigateway").create_deployment(restApiId=api_id, stageName=stage,
                                           description="deployed by lab_helpers.ensure_orders_api")
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
