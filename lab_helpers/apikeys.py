"""API keys and usage plans: who may call a stage, how fast (throttle) and how much (quota).

A method with ``apiKeyRequired`` answers 403 unless the request's ``x-api-key`` header holds an
enabled key that belongs to a usage plan of that stage. The plan's throttle is a token bucket
per key (``rateLimit`` requests per second refill, ``burstLimit`` tokens at most: 429 Too Many
Requests when empty); its quota counts requests per key per DAY, WEEK or MONTH (429 Limit
Exceeded once spent). Keys and plans take effect at once: no redeployment.
"""
from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from .backend import client, tags


def ensure_api_key(name: str) -> dict[str, Any]:
    """Create the key (enabled) unless one of that name exists; return it with its ``value``.

    >>> lab.ensure_api_key("apicomp-acme")["enabled"]
    True
    """
    apigw = client("apigateway")
    for page in apigw.get_paginator("get_api_keys").paginate(nameQuery=name, includeValues=True):
        for key in page["items"]:
            if key["name"] == name:
                if not key.get("enabled", True):
                    apigw.update_api_key(apiKey=key["id"], patchOperations=[
                        {"op": "replace", "path": "/enabled", "value": "true"}])
                    key["enabled"] = True
                return key
    return apigw.create_api_key(name=name, enabled=True, tags=tags())


def find_usage_plan(name: str) -> dict[str, Any] | None:
    for page in client("apigateway").get_paginator("get_usage_plans").paginate():
        for plan in page["items"]:
            if plan["name"] == name:
                return plan
    return None


def _plan_patches(plan: dict[str, Any], throttle: dict[str, Any] | None,
                  quota: dict[str, Any] | None) -> list[dict[str, str]]:
    patches = []
    for field, wanted in (("throttle", throttle or {}), ("quota", quota or {})):
        current = plan.get(field) or {}
        for key, value in wanted.items():
            if str(current.get(key)) != str(value) and str(current.get(key)) != f"{value}.0":
                patches.append({"op": "replace", "path": f"/{field}/{key}", "value": str(value)})
    return patches


def ensure_usage_plan(name: str, *, api_id: str, stage: str, key_ids: list[str],
                      throttle: dict[str, Any] | None = None,
                      quota: dict[str, Any] | None = None) -> dict[str, Any]:
    """Create the usage plan for ``api_id``/``stage`` or bring its throttle and quota up to date;
    make sure every key of ``key_ids`` is in it. Return the plan.

    >>> lab.ensure_usage_plan("apicomp-basic", api_id=api["id"], stage="prod", key_ids=[key["id"]],
    ...                       throttle={"rateLimit": 5, "burstLimit": 10}, quota={"limit": 100, "period": "DAY"})
    """
    apigw = client("apigateway")
    plan = find_usage_plan(name)
    if plan is None:
        extra: dict[str, Any] = {}
        if throttle:
            extra["throttle"] = throttle
        if quota:
            extra["quota"] = quota
        plan = apigw.create_usage_plan(name=name, apiStages=[{"apiId": api_id, "stage": stage}],
                                       tags=tags(), **extra)
    else:
        patches = _plan_patches(plan, throttle, quota)
        if not any(s["apiId"] == api_id and s["stage"] == stage for s in plan.get("apiStages", [])):
            patches.append({"op": "add", "path": "/apiStages", "value": f"{api_id}:{stage}"})
        if patches:
            plan = apigw.update_usage_plan(usagePlanId=plan["id"], patchOperations=patches)
    present = {key["id"] for page in apigw.get_paginator("get_usage_plan_keys").paginate(usagePlanId=plan["id"])
               for key in page["items"]}
    for key_id in set(key_ids) - present:
        try:
            apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key_id, keyType="API_KEY")
        except ClientError as error:  # added meanwhile by another run
            if error.response["Error"]["Code"] != "ConflictException":
                raise
    return plan
