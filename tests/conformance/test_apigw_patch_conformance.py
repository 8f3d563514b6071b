"""UpdateMethod patch operations against AWS-recorded answers (tests/conformance/apigw_patch_cases.json),
and UpdateIntegration on the paths the API Gateway documentation lists (no recording covers them)."""
from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

CASES = json.loads((Path(__file__).parent / "apigw_patch_cases.json").read_text())


def fresh_api(apigw, **method):
    api = apigw.create_rest_api(name=f"patch-{uuid.uuid4().hex[:6]}")
    root = next(r["id"] for r in apigw.get_resources(restApiId=api["id"])["items"] if r["path"] == "/")
    apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="ANY", authorizationType="NONE", **method)
    return api["id"], root


def answer(call):
    response = call()
    response.pop("ResponseMetadata")
    return response


def test_update_method_sequence(aws):
    apigw = aws("apigateway")
    api_id, root = fresh_api(apigw)
    authorizer = apigw.create_authorizer(
        restApiId=api_id, name="authorizer-test", type="TOKEN", identitySource="method.request.header.Authorization",
        authorizerUri="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                      "arn:aws:lambda:us-east-1:123456789012:function:myApiAuthorizer/invocations")["id"]
    for step in CASES["update_method"]:
        operations = json.loads(json.dumps(step["patchOperations"]).replace("<authorizer-id:1>", authorizer))
        got = answer(lambda operations=operations: apigw.update_method(
            restApiId=api_id, resourceId=root, httpMethod="ANY", patchOperations=operations))
        expected = json.loads(json.dumps(step["expected"]).replace("<authorizer-id:1>", authorizer))
        assert got == expected, step["name"]
    stored = answer(lambda: apigw.get_method(restApiId=api_id, resourceId=root, httpMethod="ANY"))
    assert {k: v for k, v in stored.items() if k != "methodResponses"} == expected  # GetMethod is moto's


def test_update_method_validation_sequence(aws):
    apigw = aws("apigateway")
    api = apigw.create_rest_api(name=f"patch-{uuid.uuid4().hex[:6]}")
    api_id = api["id"]
    root = next(r["id"] for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
    for step in CASES["update_method_validation"]:
        if step["name"] == "unsupported-operation":
            apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="ANY", authorizationType="NONE",
                             apiKeyRequired=True)
        target = {"restApiId": api_id, "resourceId": root, "httpMethod": "ANY"}
        target.update({"fake-api": {"restApiId": "fake-api"}, "fake-resource": {"resourceId": "fake-resource-id"},
                       "GET": {"httpMethod": "GET"}}.get(step.get("target"), {}))
        call = lambda step=step, target=target: apigw.update_method(  # noqa: E731
            patchOperations=step["patchOperations"], **target)
        if "expected_error" in step:
            with pytest.raises(ClientError) as caught:
                call()
            error = caught.value.response
            assert ({"code": error["Error"]["Code"], "message": error["Error"]["Message"],
                     "status": error["ResponseMetadata"]["HTTPStatusCode"]} == step["expected_error"]), step["name"]
        else:
            assert answer(call) == step["expected"], step["name"]


def test_a_refused_patch_changes_nothing(aws):
    apigw = aws("apigateway")
    api_id, root = fresh_api(apigw)
    with pytest.raises(ClientError):
        apigw.update_method(restApiId=api_id, resourceId=root, httpMethod="ANY", patchOperations=[
            {"op": "replace", "path": "/operationName", "value": "Changed"},
            {"op": "add", "path": "/httpMethod", "value": "PUT"}])
    assert "operationName" not in apigw.get_method(restApiId=api_id, resourceId=root, httpMethod="ANY")


def test_update_integration_patches_templates_parameters_and_settings(aws, sandbox):
    import requests

    apigw = aws("apigateway")
    api_id, root = fresh_api(apigw)
    apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="ANY", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
    apigw.put_method_response(restApiId=api_id, resourceId=root, httpMethod="ANY", statusCode="201")
    apigw.put_integration_response(restApiId=api_id, resourceId=root, httpMethod="ANY", statusCode="201",
                                   selectionPattern="", responseTemplates={"application/json": '{"patched": true}'})
    got = apigw.update_integration(restApiId=api_id, resourceId=root, httpMethod="ANY", patchOperations=[
        {"op": "replace", "path": "/requestTemplates/application~1json", "value": '{"statusCode": 201}'},
        {"op": "add", "path": "/requestParameters/integration.request.header.X-Id", "value": "'static'"},
        {"op": "replace", "path": "/timeoutInMillis", "value": "5000"},
        {"op": "replace", "path": "/passthroughBehavior", "value": "NEVER"}])
    assert got["requestTemplates"] == {"application/json": '{"statusCode": 201}'}
    assert got["requestParameters"] == {"integration.request.header.X-Id": "'static'"}
    assert (got["timeoutInMillis"], got["passthroughBehavior"]) == (5000, "NEVER")
    apigw.create_deployment(restApiId=api_id, stageName="t")
    served = requests.get(f"{sandbox}/_aws/execute-api/{api_id}/t/", timeout=10)
    assert served.status_code == 201  # the data plane serves the patched template
    for bad in ({"op": "add", "path": "/uri", "value": "x"}, {"op": "replace", "path": "/type", "value": "HTTP"},
                {"op": "replace", "path": "/timeoutInMillis", "value": "30001"}):
        with pytest.raises(ClientError) as caught:
            apigw.update_integration(restApiId=api_id, resourceId=root, httpMethod="ANY", patchOperations=[bad])
        assert caught.value.response["Error"]["Code"] == "BadRequestException"
