"""API Gateway control plane where moto answered otherwise than AWS: each expected answer is
AWS-recorded in LocalStack's validated snapshot tests (tests/aws/services/apigateway/, at
commit 8b9a79f05846), named in the test's comment."""
from __future__ import annotations

import pytest
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
