"""The catalogue API of notebook 10: Lambda proxy integrations (AWS_PROXY), API keys, usage plans.

    GET /products               -> products service (key required)
    GET /products/{productId}   -> products service (key required)
    ANY /echo                   -> proxy echo: the event API Gateway sends, or a malformed answer

Two usage plans on the ``prod`` stage, one key each: ``basic`` (10 requests/s, burst 5, 10,000 a
month) and ``trial`` (the seed's throttle, 50 requests/s with a burst of 100, but 5 requests a day).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from botocore.exceptions import ClientError

from . import apigateway
from .apikeys import ensure_api_key, ensure_usage_plan
from .backend import arn, client, tags
from .config import names, settings
from .lambdas import ensure_function

STAGE = "prod"
PLANS = {"basic": {"throttle": {"rateLimit": 10.0, "burstLimit": 5}, "quota": {"limit": 10000, "period": "MONTH"}},
         "trial": {"throttle": {"rateLimit": 50.0, "burstLimit": 100}, "quota": {"limit": 5, "period": "DAY"}}}


@dataclass
class CatalogApi:
    """What ``ensure_catalog_api`` made: the API, and per plan its id and its key (id and value)."""

    api_id: str
    url: str
    plan_ids: dict[str, str] = field(default_factory=dict)
    key_ids: dict[str, str] = field(default_factory=dict)
    key_values: dict[str, str] = field(default_factory=dict)

    def headers(self, plan: str) -> dict[str, str]:
        """The headers a client of that plan sends."""
        return {"x-api-key": self.key_values[plan]}


def proxy_uri(function_arn: str) -> str:
    """The integration URI of a Lambda function (what the seed's Terraform calls ``invoke_arn``)."""
    return f"arn:aws:apigateway:{settings().region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def put_proxy_method(api_id: str, resource_id: str, http_method: str, function_arn: str, *,
                     api_key_required: bool) -> dict[str, Any]:
    """(Re)declare a method with a Lambda proxy integration; return the PutIntegration request.

    No templates, no integration responses: the function gets the whole request and answers HTTP.
    The integration's own method is always POST (that is how Lambda is invoked), whatever the client's.
    """
    apigw = client("apigateway")
    try:
        apigw.delete_method(restApiId=api_id, resourceId=resource_id, httpMethod=http_method)
    except ClientError as error:
        if error.response["Error"]["Code"] != "NotFoundException":
            raise
    apigw.put_method(restApiId=api_id, resourceId=resource_id, httpMethod=http_method,
                     authorizationType="NONE", apiKeyRequired=api_key_required)
    request = dict(restApiId=api_id, resourceId=resource_id, httpMethod=http_method, type="AWS_PROXY",
                   integrationHttpMethod="POST", uri=proxy_uri(function_arn))
    apigw.put_integration(**request)
    return request


def allow_api_gateway(function_name: str, api_id: str) -> None:
    """The function's resource policy: API Gateway may invoke it for this API (any stage, method, path)."""
    try:
        client("lambda").add_permission(
            FunctionName=function_name, StatementId=f"apigateway-{api_id}", Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com", SourceArn=arn("execute-api", f"{api_id}/*"))
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceConflictException":  # already allowed
            raise


def ensure_catalog_api(lambda_role_arn: str) -> CatalogApi:
    """Create or update the catalogue API, its two functions, plans and keys; deploy ``prod``.

    >>> catalog = lab.ensure_catalog_api(ws.roles["apicomp-lambda-role"])
    """
    n = names()
    products = ensure_function(n.products_service, source_dir="products_service", role_arn=lambda_role_arn,
                               env={"PRODUCTS_TABLE": n.products_table})
    echo = ensure_function(n.proxy_echo, source_dir="proxy_echo", role_arn=lambda_role_arn)
    api_id = apigateway.ensure_rest_api(n.catalog_api, "API composition workshop: catalogue (Lambda proxy)")
    ids = apigateway.ensure_resources(api_id, ["/products/{productId}", "/echo"])
    for path, method, function, keyed in (("/products", "GET", products, True),
                                          ("/products/{productId}", "GET", products, True),
                                          ("/echo", "ANY", echo, False)):
        put_proxy_method(api_id, ids[path], method, function["FunctionArn"], api_key_required=keyed)
    for function in (products, echo):
        allow_api_gateway(function["FunctionName"], api_id)
    client("apigateway").create_deployment(restApiId=api_id, stageName=STAGE,
                                           description="deployed by lab_helpers.ensure_catalog_api")
    catalog = CatalogApi(api_id=api_id, url=apigateway.invoke_url(api_id, STAGE))
    for plan, limits in PLANS.items():
        key = ensure_api_key(f"{n.prefix}-catalog-{plan}")
        catalog.plan_ids[plan] = ensure_usage_plan(f"{n.prefix}-catalog-{plan}", api_id=api_id, stage=STAGE,
                                                   key_ids=[key["id"]], **limits)["id"]
        catalog.key_ids[plan], catalog.key_values[plan] = key["id"], key["value"]
    return catalog


def ensure_products_http_api() -> dict[str, str]:
    """The same GET /products as an HTTP API (API Gateway v2): one Lambda proxy integration with
    payload format 2.0, two routes, a ``prod`` stage that deploys itself. Returns its id and URL.

    >>> lab.ensure_products_http_api()["url"]
    'http://127.0.0.1:4599/_aws/execute-api/<api id>/prod'
    """
    n = names()
    v2 = client("apigatewayv2")
    api = next((a for page in v2.get_paginator("get_apis").paginate() for a in page["Items"]
                if a["Name"] == n.catalog_http_api), None)
    if api is None:
        api = v2.create_api(Name=n.catalog_http_api, ProtocolType="HTTP", Tags=tags())
    api_id = api["ApiId"]
    function = client("lambda").get_function_configuration(FunctionName=n.products_service)
    integrations = v2.get_integrations(ApiId=api_id)["Items"]
    if integrations:
        integration_id = integrations[0]["IntegrationId"]
        v2.update_integration(ApiId=api_id, IntegrationId=integration_id, IntegrationUri=function["FunctionArn"],
                              PayloadFormatVersion="2.0")
    else:
        integration_id = v2.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", PayloadFormatVersion="2.0",
                                               IntegrationUri=function["FunctionArn"])["IntegrationId"]
    routes = {r["RouteKey"] for r in v2.get_routes(ApiId=api_id)["Items"]}
    for key in ("GET /products", "GET /products/{productId}"):
        if key not in routes:
            v2.create_route(ApiId=api_id, RouteKey=key, Target=f"integrations/{integration_id}")
    if STAGE not in {s["StageName"] for s in v2.get_stages(ApiId=api_id)["Items"]}:
        v2.create_stage(ApiId=api_id, StageName=STAGE, AutoDeploy=True)
    allow_api_gateway(n.products_service, api_id)
    return {"id": api_id, "url": apigateway.invoke_url(api_id, STAGE)}


def usage_table(catalog: CatalogApi, days: int = 1) -> pd.DataFrame:
    """GetUsage for each plan's key over the last ``days`` UTC days: used and remaining per day."""
    apigw = client("apigateway")
    today = dt.datetime.now(dt.UTC).date()
    start = today - dt.timedelta(days=days - 1)
    rows = []
    for plan, plan_id in catalog.plan_ids.items():
        usage = apigw.get_usage(usagePlanId=plan_id, keyId=catalog.key_ids[plan],
                                startDate=start.isoformat(), endDate=today.isoformat())
        for offset, (used, remaining) in enumerate(usage["items"].get(catalog.key_ids[plan], [])):
            rows.append({"plan": plan, "day": (start + dt.timedelta(days=offset)).isoformat(),
                         "used": used, "remaining": remaining})
    return pd.DataFrame(rows, columns=["plan", "day", "used", "remaining"])
