"""API Gateway control plane where moto answered otherwise than AWS: each expected answer is
AWS-recorded in LocalStack's validated snapshot tests (tests/aws/services/apigateway/, at
commit 8b9a79f05846), named in the test's comment."""
from __future__ import annotations

import json

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.sandbox.test_apigateway_support import RestApi


def error_of(call) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    response = caught.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


STAGE_STILL_ACTIVE = (400, "BadRequestException", "Active stages pointing to this deployment must be moved or deleted")


def test_a_deployment_a_stage_serves_cannot_be_deleted(aws, sandbox):
    # test_apigateway_common.py::TestDeployments::test_create_update_deployments and
    # test_create_delete_deployments[True]: a stage made by CreateStage protects its deployment too;
    # once the stage is moved to another deployment, the first one can go.
    api = RestApi(aws, sandbox)
    api.mock("/", "GET")
    first = api.client.create_deployment(restApiId=api.id)["id"]
    api.client.create_stage(restApiId=api.id, stageName="s1", deploymentId=first)
    assert error_of(lambda: api.client.delete_deployment(restApiId=api.id, deploymentId=first)) == STAGE_STILL_ACTIVE
    assert api.call("GET", "/", stage="s1").status_code == 200  # still served
    second = api.deploy("s1")
    assert api.client.delete_deployment(restApiId=api.id, deploymentId=first)[
        "ResponseMetadata"]["HTTPStatusCode"] == 202
    assert error_of(lambda: api.client.delete_deployment(restApiId=api.id, deploymentId=second)) == STAGE_STILL_ACTIVE
    api.client.delete_stage(restApiId=api.id, stageName="s1")
    api.client.delete_deployment(restApiId=api.id, deploymentId=second)
    assert api.client.get_deployments(restApiId=api.id)["items"] == []


def test_an_unknown_api_is_named_in_the_404(aws):
    # test_apigateway_api.py::TestApiGatewayApiModels::test_model_validation (get-models-wrong-id) and
    # TestApiGatewayApiRequestValidator::test_invalid_get_request_validators.
    client = aws("apigateway")
    assert error_of(lambda: client.get_models(restApiId="abcde0")) == (
        404, "NotFoundException", "Invalid API identifier specified 123456789012:abcde0")
    assert error_of(lambda: client.get_request_validators(restApiId="api_id")) == (
        404, "NotFoundException", "Invalid API identifier specified 123456789012:api_id")


def test_request_validator_lifecycle_and_bad_updates(aws, sandbox):
    # test_apigateway_api.py::TestApiGatewayApiRequestValidator: test_request_validator_lifecycle,
    # test_invalid_get_request_validator, test_invalid_delete_request_validator,
    # test_create_request_validator_invalid_api_id, test_invalid_update_request_validator_operations.
    api = RestApi(aws, sandbox)
    client = api.client
    created = client.create_request_validator(restApiId=api.id, name="v")
    assert (created["validateRequestBody"], created["validateRequestParameters"]) == (False, False)
    validator = created["id"]

    def update(*operations):
        return client.update_request_validator(restApiId=api.id, requestValidatorId=validator,
                                               patchOperations=list(operations))

    assert update({"op": "replace", "path": "/validateRequestBody", "value": "true"})["validateRequestBody"] is True
    assert update({"op": "replace", "path": "/validateRequestBody"})["validateRequestBody"] is False  # no value
    assert error_of(lambda: update({"op": "add", "path": "/validateRequestBody", "value": "true"})) == (
        400, "BadRequestException",
        "Invalid patch path  '/validateRequestBody' specified for op 'add'. Please choose supported operations")
    assert error_of(lambda: update({"op": "remove", "path": "/validateRequestBody", "value": "true"}))[2] == (
        "Invalid patch path  '/validateRequestBody' specified for op 'remove'. Please choose supported operations")
    assert error_of(lambda: update({"op": "replace", "path": "/invalidPath", "value": "true"}))[2] == (
        "Invalid patch path  '/invalidPath' specified for op 'replace'. "
        "Must be one of: [/name, /validateRequestParameters, /validateRequestBody]")
    assert error_of(lambda: update({"op": "replace", "path": "/validateRequestParameters", "value": "true"},
                                   {"op": "replace", "path": "/name"})) == (
        400, "BadRequestException", "Request Validator name cannot be blank")
    assert client.get_request_validator(restApiId=api.id, requestValidatorId=validator)[
        "validateRequestParameters"] is False  # a refused patch changes nothing
    not_there = (404, "NotFoundException", "Invalid Request Validator identifier specified")
    assert error_of(lambda: client.get_request_validator(restApiId="api_id", requestValidatorId=validator)) == not_there
    assert error_of(lambda: client.get_request_validator(restApiId=api.id, requestValidatorId="nope")) == not_there
    assert error_of(lambda: client.delete_request_validator(restApiId=api.id, requestValidatorId="nope")) == not_there
    assert error_of(lambda: client.create_request_validator(restApiId="api_id", name="v")) == (
        400, "BadRequestException", "Invalid REST API identifier specified")
    client.delete_request_validator(restApiId=api.id, requestValidatorId=validator)
    assert error_of(lambda: client.get_request_validator(restApiId=api.id, requestValidatorId=validator)) == not_there
    assert client.get_request_validators(restApiId=api.id)["items"] == []


def test_put_method_refuses_what_the_api_does_not_have(aws, sandbox):
    # test_apigateway_api.py::TestApiGatewayApiMethod::test_put_method_validation: a mistyped validator
    # or model id is refused, not stored (a method pointing at no validator would validate nothing).
    api = RestApi(aws, sandbox)
    root = api.resources["/"]

    def put(**args):
        return api.client.put_method(restApiId=api.id, resourceId=root, **({"httpMethod": "ANY",
                                     "authorizationType": "NONE"} | args))

    assert error_of(lambda: api.client.put_method(restApiId="fake-api", resourceId=root, httpMethod="WRONG",
                                                  authorizationType="NONE")) == (
        404, "NotFoundException", "Invalid Resource identifier specified")
    assert error_of(lambda: put(httpMethod="WRONG")) == (
        400, "BadRequestException",
        "Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY")
    assert error_of(lambda: put(authorizationType="CUSTOM")) == (
        400, "BadRequestException", "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or "
                                    "COGNITO_USER_POOLS requires a valid authorizer.")
    assert error_of(lambda: put(requestValidatorId="fake-validator")) == (
        400, "BadRequestException", "Invalid Request Validator identifier specified")
    assert error_of(lambda: put(requestModels={"application/json": "petModel"})) == (
        400, "BadRequestException", "Invalid model identifier specified: petModel")
    assert api.client.get_resource(restApiId=api.id, resourceId=root).get("resourceMethods") is None
    put(requestModels={"application/json": "Empty"})  # a model every REST API has


def test_models_every_api_has_and_create_model_checks(aws, sandbox):
    # test_apigateway_common.py::TestApiGatewayCommon::test_api_gateway_request_validator_with_ref_models
    # (get-models-with-ref: Empty and Error) and test_apigateway_api.py::TestApiGatewayApiModels::test_model_validation.
    api = RestApi(aws, sandbox)
    client = api.client
    defaults = {model["name"]: model for model in client.get_models(restApiId=api.id)["items"]}
    assert set(defaults) == {"Empty", "Error"}
    assert defaults["Error"]["description"] == "This is a default error schema model"
    assert json.loads(defaults["Error"]["schema"])["properties"] == {"message": {"type": "string"}}
    schema = json.dumps({"title": "MySchema", "type": "object"})

    def create(**args):
        return client.create_model(restApiId=api.id, **({"name": "MySchema", "contentType": "application/json",
                                                          "description": "", "schema": schema} | args))

    create()
    assert error_of(create) == (409, "ConflictException", "Model name already exists for this REST API")
    assert error_of(lambda: create(name="")) == (400, "BadRequestException", "Model name must be non-empty")
    no_schema = (400, "BadRequestException", "Model schema must have at least 1 property or array items defined")
    assert error_of(lambda: create(name="MyEmptySchema", schema="")) == no_schema
    assert error_of(lambda: client.create_model(restApiId=api.id, name="MyEmptySchemaXml",
                                                contentType="application/xml", description="")) == no_schema
    assert error_of(lambda: client.get_model(restApiId="abcde0", modelName="MySchema")) == (
        404, "NotFoundException", "Invalid model name specified: MySchema")
    assert error_of(lambda: client.delete_model(restApiId="abcde0", modelName="MySchema")) == (
        404, "NotFoundException", "Invalid model name specified: MySchema")


DEFAULT_TEMPLATE = {"application/json": '{"message":$context.error.messageString}'}


def test_gateway_responses_answer_their_defaults_until_customised(aws, sandbox):
    # test_apigateway_api.py::TestApiGatewayGatewayResponse::test_gateway_response_crud and
    # test_gateway_response_validation (delete-gateway-response-not-set).
    api = RestApi(aws, sandbox)
    client = api.client
    default = client.get_gateway_response(restApiId=api.id, responseType="MISSING_AUTHENTICATION_TOKEN")
    assert {k: v for k, v in default.items() if k != "ResponseMetadata"} == {
        "defaultResponse": True, "responseParameters": {}, "responseTemplates": DEFAULT_TEMPLATE,
        "responseType": "MISSING_AUTHENTICATION_TOKEN", "statusCode": "403"}
    client.put_gateway_response(restApiId=api.id, responseType="MISSING_AUTHENTICATION_TOKEN", statusCode="404",
                                responseTemplates={"application/json": '{"m": 1}'})
    listed = {item["responseType"]: item for item in client.get_gateway_responses(restApiId=api.id)["items"]}
    assert len(listed) == 21
    assert listed["DEFAULT_4XX"] == {"defaultResponse": True, "responseParameters": {},
                                     "responseTemplates": DEFAULT_TEMPLATE, "responseType": "DEFAULT_4XX"}
    assert listed["THROTTLED"]["statusCode"] == "429" and listed["THROTTLED"]["defaultResponse"] is True
    assert listed["MISSING_AUTHENTICATION_TOKEN"]["statusCode"] == "404"
    assert listed["MISSING_AUTHENTICATION_TOKEN"]["defaultResponse"] is False
    client.delete_gateway_response(restApiId=api.id, responseType="MISSING_AUTHENTICATION_TOKEN")
    assert client.get_gateway_response(restApiId=api.id, responseType="MISSING_AUTHENTICATION_TOKEN")[
        "defaultResponse"] is True
    assert error_of(lambda: client.delete_gateway_response(restApiId=api.id, responseType="DEFAULT_4XX")) == (
        404, "NotFoundException", "Gateway response type not defined on api")


def test_update_gateway_response(aws, sandbox):
    # test_apigateway_api.py::TestApiGatewayGatewayResponse::test_update_gateway_response (moto had no
    # UpdateGatewayResponse); the data plane then answers with the updated response.
    api = RestApi(aws, sandbox)
    client = api.client

    def update(response_type="DEFAULT_4XX", *operations):
        return client.update_gateway_response(restApiId=api.id, responseType=response_type,
                                              patchOperations=list(operations))

    first = update("DEFAULT_4XX", {"op": "replace", "path": "/statusCode", "value": "444"})
    assert {k: v for k, v in first.items() if k != "ResponseMetadata"} == {
        "defaultResponse": False, "responseParameters": {}, "responseTemplates": DEFAULT_TEMPLATE,
        "responseType": "DEFAULT_4XX", "statusCode": "444"}
    client.put_gateway_response(restApiId=api.id, responseType="DEFAULT_4XX", statusCode="404",
                                responseParameters={"gatewayresponse.header.Access-Control-Allow-Origin": "'a.b.c'"},
                                responseTemplates={"application/json": '{"message":$context.error.messageString}'})
    xml = "<gatewayResponse><message>$context.error.messageString</message></gatewayResponse>"
    updated = update("DEFAULT_4XX", {"op": "replace", "path": "/statusCode", "value": "444"},
                     {"op": "replace", "path": "/responseParameters/gatewayresponse.header.Access-Control-Allow-Origin",
                      "value": "'example.com'"},
                     {"op": "add", "path": "/responseTemplates/application~1xml", "value": xml})
    assert updated["statusCode"] == "444"
    assert updated["responseParameters"] == {"gatewayresponse.header.Access-Control-Allow-Origin": "'example.com'"}
    assert updated["responseTemplates"] == DEFAULT_TEMPLATE | {"application/xml": xml}
    assert client.get_gateway_response(restApiId=api.id, responseType="DEFAULT_4XX")["statusCode"] == "444"
    bad = (400, "BadRequestException")
    assert error_of(lambda: update("DEFAULT_4XX", {"op": "add", "path": "/statusCode", "value": "444"})) == (
        *bad, "Invalid patch path /statusCode")
    assert error_of(lambda: update("DEFAULT_4XX", {"op": "remove", "path": "/statusCode"})) == (
        *bad, "Invalid patch path /statusCode")
    assert error_of(lambda: update("DEFAULT_5XX", {
        "op": "replace", "path": "/responseParameters/gatewayresponse.header.Access-Control-Allow-Origin",
        "value": "'example.com'"})) == (404, "NotFoundException", "Invalid parameter name specified")
    assert error_of(lambda: update("DEFAULT_4XX", {"op": "add", "value": "'example.com'"})) == (
        *bad, "Invalid patch path null")
    assert error_of(lambda: update("DEFAULT_4XX", {"op": "add", "path": "/wrongPath", "value": "x"})) == (
        *bad, "Invalid patch path /wrongPath")
    no_template = {"op": "replace", "path": "/responseTemplates/application~1xml"}
    assert error_of(lambda: update("DEFAULT_4XX", no_template)) == (
        *bad, "Invalid null or empty value in responseTemplates")
    assert error_of(lambda: update("DEFAULT_4XX", {
        "op": "replace", "path": "/responseParameters/gatewayresponse.header.Access-Control-Allow-Origin"})) == (
        *bad, "Invalid null or empty value in responseParameters")
    api.mock("/", "GET")
    api.deploy()
    missing = api.call("GET", "/nowhere")  # MISSING_AUTHENTICATION_TOKEN falls back on DEFAULT_4XX
    assert missing.status_code == 444
    assert missing.headers["Access-Control-Allow-Origin"] == "example.com"


GATEWAY_RESPONSE_TYPES = (
    "REQUEST_TOO_LARGE, RESOURCE_NOT_FOUND, AUTHORIZER_CONFIGURATION_ERROR, MISSING_AUTHENTICATION_TOKEN, "
    "BAD_REQUEST_BODY, INVALID_SIGNATURE, INVALID_API_KEY, BAD_REQUEST_PARAMETERS, AUTHORIZER_FAILURE, UNAUTHORIZED, "
    "INTEGRATION_TIMEOUT, ACCESS_DENIED, DEFAULT_4XX, DEFAULT_5XX, WAF_FILTERED, QUOTA_EXCEEDED, THROTTLED, "
    "API_CONFIGURATION_ERROR, UNSUPPORTED_MEDIA_TYPE, INTEGRATION_FAILURE, EXPIRED_TOKEN")


@pytest.mark.parametrize("call, message", [
    # test_apigateway_api.py::TestApigatewayIntegration::test_put_integration_wrong_type
    (lambda c, api, root: c.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="HTTPS_PROXY",
                                            integrationHttpMethod="POST", uri="http://example.com"),
     "1 validation error detected: Value 'HTTPS_PROXY' at 'putIntegrationInput.type' failed to satisfy constraint: "
     "Member must satisfy enum value set: [HTTP, MOCK, AWS_PROXY, HTTP_PROXY, AWS]"),
    # TestApiGatewayApiRestApi::test_create_rest_api_with_endpoint_configuration (create-with-multiple-errors-1)
    (lambda c, api, root: c.create_rest_api(name="x", endpointConfiguration={"types": ["wrong"],
                                                                             "ipAddressType": "wrong"}),
     "2 validation errors detected: Value '[wrong]' at 'createRestApiInput.endpointConfiguration.types' failed to "
     "satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [PRIVATE, EDGE, "
     "REGIONAL]]; Value 'wrong' at 'createRestApiInput.endpointConfiguration.ipAddressType' failed to satisfy "
     "constraint: Member must satisfy enum value set: [ipv4, dualstack]"),
    # TestApiGatewayApiRestApi::test_update_rest_api_concatenation_of_errors
    (lambda c, api, root: c.update_rest_api(restApiId=api, patchOperations=[
        {"op": "wrong", "path": "/ipAddressType", "value": "ipv4"}, {"op": "wrong", "path": "/description"}]),
     "2 validation errors detected: Value 'wrong' at 'updateRestApiInput.patchOperations.1.member.op' failed to "
     "satisfy constraint: Member must satisfy enum value set: [add, remove, move, test, replace, copy]; Value 'wrong' "
     "at 'updateRestApiInput.patchOperations.2.member.op' failed to satisfy constraint: Member must satisfy enum "
     "value set: [add, remove, move, test, replace, copy]"),
    # TestApiGatewayGatewayResponse::test_gateway_response_validation: a URI member is named bare
    (lambda c, api, root: c.get_gateway_response(restApiId=api, responseType="FAKE_RESPONSE_TYPE"),
     "1 validation error detected: Value 'FAKE_RESPONSE_TYPE' at 'responseType' failed to satisfy constraint: "
     f"Member must satisfy enum value set: [{GATEWAY_RESPONSE_TYPES}]"),
], ids=["put-integration-wrong-type", "create-with-multiple-errors-1", "update-rest-api-wrong-operations",
        "get-gateway-response-wrong-response-type"])
def test_malformed_requests_are_validation_exceptions_worded_as_aws_words_them(aws, sandbox, call, message):
    api = RestApi(aws, sandbox)
    unchecked = boto3.client("apigateway", endpoint_url=sandbox, region_name="us-east-1", aws_access_key_id="test",
                             aws_secret_access_key="test", config=Config(
                                 parameter_validation=False, inject_host_prefix=False, retries={"max_attempts": 0}))
    api.client.put_method(restApiId=api.id, resourceId=api.resources["/"], httpMethod="GET", authorizationType="NONE")
    assert error_of(lambda: call(unchecked, api.id, api.resources["/"])) == (400, "ValidationException", message)


def test_put_integration_answers_what_aws_fills_in(aws, sandbox):
    # test_apigateway_integrations.py::test_put_integration_validation (not-required-integration-method-MOCK,
    # http-method-HTTP, aws-integration-type-AWS_PROXY).
    api = RestApi(aws, sandbox)
    root = api.resources["/"]
    api.client.put_method(restApiId=api.id, resourceId=root, httpMethod="GET", authorizationType="NONE")

    def put(**args):
        answer = api.client.put_integration(restApiId=api.id, resourceId=root, httpMethod="GET", **args)
        return {k: v for k, v in answer.items() if k not in ("ResponseMetadata", "cacheNamespace")}

    assert put(type="MOCK", uri="http://example.com") == {
        "cacheKeyParameters": [], "passthroughBehavior": "WHEN_NO_MATCH", "timeoutInMillis": 29000, "type": "MOCK"}
    assert put(type="HTTP", uri="http://example.com", integrationHttpMethod="POST") == {
        "cacheKeyParameters": [], "connectionType": "INTERNET", "httpMethod": "POST",
        "passthroughBehavior": "WHEN_NO_MATCH", "timeoutInMillis": 29000, "type": "HTTP", "uri": "http://example.com"}
    uri = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
           "arn:aws:lambda:us-east-1:123456789012:function:MyLambda/invocations")
    assert put(type="AWS_PROXY", uri=uri, integrationHttpMethod="POST") == {
        "cacheKeyParameters": [], "httpMethod": "POST", "passthroughBehavior": "WHEN_NO_MATCH",
        "timeoutInMillis": 29000, "type": "AWS_PROXY", "uri": uri}
    assert api.client.get_integration(restApiId=api.id, resourceId=root, httpMethod="GET")["timeoutInMillis"] == 29000


def test_api_key_lengths_and_updatable_fields(aws):
    # test_apigateway_extended.py::TestApigatewayApiKeysCrud: test_create_api_key_with_invalid_name,
    # test_create_api_key_with_invalid_value, test_update_api_key_invalid_description_length,
    # test_update_api_key_immutable_field, test_update_api_key_invalid_enabled_type.
    client = aws("apigateway")
    bad = (400, "BadRequestException")
    assert error_of(lambda: client.create_api_key(name="a" * 1025)) == (
        *bad, "Invalid API Key name, can be at most 1024 characters.")
    assert error_of(lambda: client.create_api_key(value="short")) == (
        *bad, "API Key value should be at least 20 characters")
    assert error_of(lambda: client.create_api_key(value="a" * 129)) == (
        *bad, "API Key value exceeds maximum size of 128 characters")
    assert error_of(lambda: client.create_api_key(name="k", description="a" * 125001)) == (
        *bad, "Invalid API Key description specified.")
    key = client.create_api_key(name="k", enabled=True)["id"]

    def update(*operations):
        return client.update_api_key(apiKey=key, patchOperations=list(operations))

    assert error_of(lambda: update({"op": "replace", "path": "/description", "value": "a" * 125001})) == (
        *bad, "Invalid API Key description specified.")
    assert error_of(lambda: update({"op": "replace", "path": "/enabled", "value": "false"},
                                   {"op": "replace", "path": "/id", "value": "new-id"})) == (
        *bad, "Invalid patch path  '/id' specified for op 'replace'. "
              "Must be one of: [/description, /enabled, /name, /customerId]")
    assert client.get_api_key(apiKey=key)["enabled"] is True  # the refused patch changed nothing
    assert update({"op": "replace", "path": "/enabled", "value": "not-a-boolean"})["enabled"] is False


def _stage_api(aws, sandbox) -> RestApi:
    api = RestApi(aws, sandbox)
    api.mock("/", "GET")
    deployment = api.client.create_deployment(restApiId=api.id)["id"]
    api.client.create_stage(restApiId=api.id, stageName="s1", deploymentId=deployment, description="my stage")
    return api


def test_update_stage_method_settings_as_aws_answers_them(aws, sandbox):
    # test_apigateway_common.py::TestStages::test_create_update_stages and test_update_stage_remove_wildcard.
    # The defaults matter to the data plane: moto's (1,000 rps, burst 2,000) throttled a stage that had only
    # turned caching, metrics or logging on.
    api = _stage_api(aws, sandbox)

    def update(*operations):
        return api.client.update_stage(restApiId=api.id, stageName="s1", patchOperations=list(operations))

    remove_all = {"op": "remove", "path": "/*/*"}
    assert error_of(lambda: update(remove_all)) == (
        400, "BadRequestException",
        "Cannot remove method setting */* because there is no method setting for this method ")
    settings = update({"op": "replace", "path": "/*/*/caching/enabled", "value": "true"})["methodSettings"]
    assert settings == {"*/*": {
        "cacheDataEncrypted": False, "cacheTtlInSeconds": 300, "cachingEnabled": True, "dataTraceEnabled": False,
        "metricsEnabled": False, "requireAuthorizationForCacheControl": True, "throttlingBurstLimit": 5000,
        "throttlingRateLimit": 10000.0, "unauthorizedCacheControlHeaderStrategy": "SUCCEED_WITH_RESPONSE_HEADER"}}
    assert update(remove_all)["methodSettings"] == {}
    # A method's own settings start as a copy of */* (caching on, rate 10,000), which later changes leave alone.
    settings = update({"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "123"},
                      {"op": "replace", "path": "/*/*/caching/enabled", "value": "true"},
                      {"op": "replace", "path": "/test/GET/throttling/burstLimit", "value": "124"})["methodSettings"]
    assert settings["test/GET"] == settings["*/*"] | {"throttlingBurstLimit": 124}
    assert settings["test/GET"]["cachingEnabled"] is True
    settings = update({"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "100"})["methodSettings"]
    assert (settings["*/*"]["throttlingBurstLimit"], settings["test/GET"]["throttlingBurstLimit"]) == (100, 124)
    refused = error_of(lambda: update({"op": "replace", "path": "/description", "value": "new"},
                                      {"op": "replace", "path": "/tags/tag1", "value": "value1"}))
    assert refused[:2] == (400, "BadRequestException")
    assert refused[2].startswith("Invalid method setting path: /tags/tag1. Must be one of: [/deploymentId, "
                                 "/description, /cacheClusterEnabled, ")
    assert refused[2].endswith(", /variables/{variable_name}, /tracingEnabled]")
    assert api.client.get_stage(restApiId=api.id, stageName="s1")["description"] == "my stage"  # nothing applied


def test_update_stage_access_log_settings_paths(aws, sandbox):
    # test_apigateway_api.py::TestApiGatewayStage::test_stage_access_log_settings_validation.
    api = _stage_api(aws, sandbox)

    def update(op, path, value="updated"):
        return api.client.update_stage(restApiId=api.id, stageName="s1",
                                       patchOperations=[{"op": op, "path": path, "value": value}])

    invalid = (400, "BadRequestException", "Invalid accessLogSettings path. Must be one of : "
                                           "[/accessLogSettings/destinationArn, /accessLogSettings/format]")
    for op in ("add", "replace"):
        assert error_of(lambda op=op: update(op, "/accessLogSettings/randomValue")) == invalid
        assert error_of(lambda op=op: update(op, "/accessLogSettings", "test")) == invalid
    assert error_of(lambda: update("remove", "/accessLogSettings/randomValue")) == (
        400, "BadRequestException",
        "Cannot remove method setting accessLogSettings/randomValue because there is no method setting "
        "for this method ")
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:access"
    assert update("add", "/accessLogSettings/destinationArn", arn)["accessLogSettings"] == {"destinationArn": arn}
    assert error_of(lambda: update("replace", "/accessLogSettings/format", "")) == (
        400, "BadRequestException", "Access Log value must not be empty")


def test_a_stage_answers_the_fields_aws_answers(aws, sandbox):
    # test_apigateway_common.py::TestStages::test_create_update_stages (create-stage) and
    # TestDeployments::test_create_delete_deployments (get-stages: a stage without variables or description).
    api = _stage_api(aws, sandbox)
    created = api.client.get_stage(restApiId=api.id, stageName="s1")
    assert created["cacheClusterEnabled"] is False and created["cacheClusterStatus"] == "NOT_AVAILABLE"
    assert created["tracingEnabled"] is False and created["methodSettings"] == {}
    assert created["lastUpdatedDate"] >= created["createdDate"]
    api.deploy("bare")
    bare = next(stage for stage in api.client.get_stages(restApiId=api.id)["item"] if stage["stageName"] == "bare")
    assert "variables" not in bare and "description" not in bare
