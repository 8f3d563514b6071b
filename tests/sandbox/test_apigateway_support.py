"""Building REST APIs on the sandbox for the data-plane tests (boto3 control plane, as a user would)."""
from __future__ import annotations

import io
import uuid
import zipfile

import requests


class RestApi:
    """One REST API: resources by path, methods, deployment, and its invoke URLs."""

    def __init__(self, aws, sandbox: str, name: str | None = None, **create_args):
        self.client = aws("apigateway")
        self.sandbox = sandbox
        created = self.client.create_rest_api(name=name or f"test-{uuid.uuid4().hex[:8]}", **create_args)
        self.id = created["id"]
        self.resources = {"/": self.client.get_resources(restApiId=self.id)["items"][0]["id"]}

    def resource(self, path: str) -> str:
        """The id of ``path``, creating it and its parents."""
        if path in self.resources:
            return self.resources[path]
        parent, _, part = path.rpartition("/")
        parent_id = self.resource(parent or "/")
        self.resources[path] = self.client.create_resource(restApiId=self.id, parentId=parent_id,
                                                           pathPart=part)["id"]
        return self.resources[path]

    def method(self, path: str, verb: str, *, integration: dict, responses: list[dict] | None = None,
               **method_args) -> None:
        """put_method + put_integration + integration/method responses (default: 200)."""
        resource_id = self.resource(path)
        method_args.setdefault("authorizationType", "NONE")
        self.client.put_method(restApiId=self.id, resourceId=resource_id, httpMethod=verb, **method_args)
        self.client.put_integration(restApiId=self.id, resourceId=resource_id, httpMethod=verb, **integration)
        for response in responses if responses is not None else [{"statusCode": "200"}]:
            self.client.put_method_response(restApiId=self.id, resourceId=resource_id, httpMethod=verb,
                                            statusCode=response["statusCode"])
            self.client.put_integration_response(restApiId=self.id, resourceId=resource_id, httpMethod=verb,
                                                 **response)

    def mock(self, path: str, verb: str = "GET", *, status: int = 200, body: str = '{"ok": true}',
             **method_args) -> None:
        self.method(path, verb, integration={"type": "MOCK",
                                             "requestTemplates": {"application/json": f'{{"statusCode": {status}}}'}},
                    responses=[{"statusCode": str(status), "responseTemplates": {"application/json": body}}],
                    **method_args)

    def deploy(self, stage: str = "test", **args) -> str:
        return self.client.create_deployment(restApiId=self.id, stageName=stage, **args)["id"]

    def url(self, path: str = "/", stage: str = "test") -> str:
        return f"{self.sandbox}/_aws/execute-api/{self.id}/{stage}{path}"

    def call(self, verb: str, path: str, stage: str = "test", **kwargs) -> requests.Response:
        return requests.request(verb, self.url(path, stage), timeout=30, **kwargs)


def python_lambda(aws, code: str, name: str | None = None, timeout: int = 10) -> str:
    """Create a python3.12 function from ``code`` (handler ``index.handler``); its ARN."""
    iam = aws("iam")
    role_name = "apigw-test-lambda-role"
    try:
        role_arn = iam.get_role(RoleName=role_name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role_arn = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=(
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
            '{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}'))["Role"]["Arn"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", code)
    return aws("lambda").create_function(
        FunctionName=name or f"apigw-{uuid.uuid4().hex[:8]}", Runtime="python3.12", Role=role_arn,
        Handler="index.handler", Code={"ZipFile": buffer.getvalue()}, Timeout=timeout)["FunctionArn"]


def lambda_uri(function_arn: str, region: str = "us-east-1") -> str:
    return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
