"""API keys, usage plans and stage/method throttling, read live from moto's backend.

API keys and usage plans are not part of a deployment (AWS applies changes at once), so they
are looked up per request; moto's dicts are small, and the key index is rebuilt only when the
set of keys changes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import usage
from .gatewayresponses import GatewayError
from .throttling import Limiter


@dataclass(frozen=True)
class KeyUse:
    key_id: str
    key_value: str
    plan_id: str


def identify(backend: Any, api_id: str, stage: str, key_value: str | None) -> KeyUse:
    """The usage plan under which ``key_value`` may call this stage, or 403 Forbidden."""
    if not key_value:
        raise GatewayError("INVALID_API_KEY", "Forbidden")
    key = next((k for k in list(backend.keys.values()) if k.value == key_value), None)
    if key is None or not key.enabled:
        raise GatewayError("INVALID_API_KEY", "Forbidden")
    for plan in list(backend.usage_plans.values()):
        if key.id in backend.usage_plan_keys.get(plan.id, {}) and _plan_stage(plan, api_id, stage):
            return KeyUse(key_id=key.id, key_value=key.value, plan_id=plan.id)
    raise GatewayError("INVALID_API_KEY", "Forbidden")


def _plan_stage(plan: Any, api_id: str, stage: str) -> dict[str, Any] | None:
    for api_stage in plan.api_stages:
        if api_stage.get("apiId") == api_id and api_stage.get("stage") == stage:
            return api_stage
    return None


def enforce_usage_plan(limiter: Limiter, backend: Any, use: KeyUse, api_id: str, stage: str,
                       resource_path: str, http_method: str) -> None:
    """Usage-plan throttling (per key, per method where set) then quota; 429 when over."""
    plan = backend.usage_plans.get(use.plan_id)
    if plan is None:
        raise GatewayError("INVALID_API_KEY", "Forbidden")
    api_stage = _plan_stage(plan, api_id, stage) or {}
    method_throttle = (api_stage.get("throttle") or {}).get(f"{resource_path}/{http_method}")
    for scope, throttle in (("method", method_throttle), ("plan", plan.throttle)):
        if throttle and "rateLimit" in throttle:
            bucket = ("plan", plan.id, use.key_id, scope, resource_path if scope == "method" else "")
            burst = float(throttle.get("burstLimit", throttle["rateLimit"]))
            if not limiter.allow(bucket, float(throttle["rateLimit"]), burst):
                raise GatewayError("THROTTLED", "Too Many Requests")
    quota = plan.quota
    if quota and "limit" in quota:
        period = str(quota.get("period", "DAY")).upper()
        granted = usage.credit(plan.id, use.key_id, period, limiter.clock())  # UpdateUsage's extension
        if not limiter.within_quota(("quota", plan.id, use.key_id), int(quota["limit"]) + granted,
                                    period, int(quota.get("offset") or 0)):
            raise GatewayError("QUOTA_EXCEEDED", "Limit Exceeded")
    usage.record(plan.id, use.key_id, limiter.clock())  # what GetUsage reports


def enforce_stage(limiter: Limiter, stage: Any, api_id: str, resource_path: str, http_method: str) -> None:
    """The stage's method settings (``*/*`` or ``~1path/METHOD``) throttle all clients together."""
    settings = stage.method_settings
    if not settings:
        return
    escaped = resource_path.replace("/", "~1")
    # moto stores the key as given in the patch path; accept it with or without the leading ~1.
    for key in (f"{escaped}/{http_method}", f"{escaped[2:]}/{http_method}", "*/*"):
        setting = settings.get(key)
        if setting and "throttlingRateLimit" in setting:
            rate = float(setting["throttlingRateLimit"])
            burst = float(setting.get("throttlingBurstLimit", rate))
            if not limiter.allow(("stage", api_id, stage.name, key), rate, burst):
                raise GatewayError("THROTTLED", "Too Many Requests")
            return
