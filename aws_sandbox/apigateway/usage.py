"""Usage of API keys in usage plans: GetUsage and UpdateUsage, which moto does not serve.

The data plane calls ``record`` for every request an API key makes under a usage plan once it
has passed the plan's throttle and quota (throttled and over-quota requests are not counted, as
on AWS). ``GetUsage`` (``GET /usageplans/{id}/usage?startDate&endDate[&keyId]``) answers, per key
of the plan, one ``[used, remaining]`` pair per UTC day of the range; ``remaining`` is what the
plan's quota had left at the end of that day (0 for a plan without a quota). ``UpdateUsage``
(``PATCH /usageplans/{id}/keys/{keyId}/usage``, ``replace /remaining``) sets what is left of the
key's quota in the current period, as AWS's "grant a temporary extension" does: the difference
is kept as a credit that the data plane's quota check adds to the plan's limit (``credit``).
"""
from __future__ import annotations

import datetime as dt
import json
import threading
from collections import defaultdict
from typing import Any

MAX_DAYS = 90  # AWS refuses longer ranges

_used: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)  # (plan, key) -> {day: count}
_credit: dict[tuple[str, str, str], int] = {}  # (plan, key, first day of period) -> extra requests granted
_lock = threading.Lock()


def _day(epoch_seconds: float) -> str:
    return dt.datetime.fromtimestamp(epoch_seconds, dt.UTC).strftime("%Y-%m-%d")


def record(plan_id: str, key_id: str, epoch_seconds: float) -> None:
    """Count one request of ``key_id`` under ``plan_id`` (the data plane calls this)."""
    day = _day(epoch_seconds)
    with _lock:
        days = _used[(plan_id, key_id)]
        days[day] = days.get(day, 0) + 1


def credit(plan_id: str, key_id: str, period: str, epoch_seconds: float) -> int:
    """Requests UpdateUsage granted (or took away) on top of the plan's quota in this period."""
    first = _period_start(period, dt.date.fromisoformat(_day(epoch_seconds)))
    with _lock:
        return _credit.get((plan_id, key_id, first.isoformat()), 0)


def reset() -> None:
    with _lock:
        _used.clear()
        _credit.clear()


def _period_start(period: str, day: dt.date) -> dt.date:
    if period == "WEEK":
        return day - dt.timedelta(days=day.weekday())
    if period == "MONTH":
        return day.replace(day=1)
    return day


def usage(plan: Any, key_ids: list[str], start: dt.date, end: dt.date) -> dict[str, list[list[int]]]:
    """{key id: [[used, remaining], ...]} for each day from ``start`` to ``end``."""
    quota = plan.quota or {}
    limit = int(quota["limit"]) if "limit" in quota else None
    period = str(quota.get("period", "DAY")).upper()
    values: dict[str, list[list[int]]] = {}
    with _lock:
        for key_id in key_ids:
            days = dict(_used.get((plan.id, key_id), {}))
            rows = []
            day = start
            while day <= end:
                used = days.get(day.isoformat(), 0)
                remaining = 0
                if limit is not None:
                    first = _period_start(period, day)
                    in_period = sum(n for d, n in days.items() if first.isoformat() <= d <= day.isoformat())
                    credit = _credit.get((plan.id, key_id, first.isoformat()), 0)
                    remaining = max(0, limit + credit - in_period)
                rows.append([used, remaining])
                day += dt.timedelta(days=1)
            values[key_id] = rows
    return values


def _dates(query: dict[str, list[str]]) -> tuple[dt.date, dt.date]:
    from .patch_operations import bad_request

    try:
        start = dt.date.fromisoformat(query["startDate"][0])
        end = dt.date.fromisoformat(query["endDate"][0])
    except (KeyError, IndexError, ValueError):
        raise bad_request("Invalid start date or end date: use yyyy-MM-dd") from None
    if end < start:
        raise bad_request("The end date must not be before the start date")
    if (end - start).days >= MAX_DAYS:
        raise bad_request(f"The time range must not exceed {MAX_DAYS} days")
    return start, end


def get_usage_response(self: Any) -> str:
    """``APIGatewayResponse.get_usage``: moto's response class calls it for GetUsage."""
    plan_id = self.path.split("/")[2]
    plan = self.backend.get_usage_plan(plan_id)  # 404 "Invalid Usage Plan ID specified"
    start, end = _dates(self.querystring)
    key_ids = [key.id for key in self.backend.get_usage_plan_keys(plan_id)]
    wanted = self.querystring.get("keyId", [None])[0]
    if wanted:
        key_ids = [k for k in key_ids if k == wanted]
    return json.dumps({"usagePlanId": plan_id, "startDate": start.isoformat(), "endDate": end.isoformat(),
                       "values": usage(plan, key_ids, start, end)})


def update_usage_response(self: Any) -> str:
    """``APIGatewayResponse.update_usage``: ``replace /remaining`` sets what is left of the key's
    quota in the current period (the data plane's counter follows)."""
    import time

    from .patch_operations import bad_request, not_found

    parts = self.path.split("/")
    plan_id, key_id = parts[2], parts[4]
    plan = self.backend.get_usage_plan(plan_id)
    if key_id not in {key.id for key in self.backend.get_usage_plan_keys(plan_id)}:
        raise not_found("Invalid API Key identifier specified")
    quota = plan.quota or {}
    if "limit" not in quota:
        raise bad_request("The usage plan has no quota")
    operations = json.loads(self.body or "{}").get("patchOperations") or []
    for operation in operations:
        if operation.get("op") != "replace" or operation.get("path") != "/remaining":
            raise bad_request(f"Invalid patch path {operation.get('path')!r}")
        try:
            remaining = int(operation["value"])
        except (KeyError, TypeError, ValueError):
            raise bad_request("Invalid value for /remaining") from None
        now = time.time()
        limit, period = int(quota["limit"]), str(quota.get("period", "DAY")).upper()
        today = dt.date.fromisoformat(_day(now))
        first = _period_start(period, today)
        with _lock:
            days = _used.get((plan_id, key_id), {})
            in_period = sum(n for d, n in days.items() if first.isoformat() <= d <= today.isoformat())
            # left = limit + credit - used: the credit that makes what is left ``remaining``
            _credit[(plan_id, key_id, first.isoformat())] = remaining + in_period - limit
    today = dt.date.fromisoformat(_day(time.time()))
    return json.dumps({"usagePlanId": plan_id, "startDate": today.isoformat(), "endDate": today.isoformat(),
                       "values": usage(plan, [key_id], today, today)})


_installed = False


def install() -> None:
    """Route GetUsage and UpdateUsage to moto's API Gateway responses (before its app is built)."""
    global _installed
    if _installed:
        return
    from moto.apigateway import urls
    from moto.apigateway.responses import APIGatewayResponse

    # moto has neither operation: its routes and response methods are added, not replaced.
    urls.url_paths["{0}/usageplans/(?P<usage_plan_id>[^/]+)/usage$"] = APIGatewayResponse.dispatch
    urls.url_paths["{0}/usageplans/(?P<usage_plan_id>[^/]+)/keys/(?P<api_key_id>[^/]+)/usage$"] = \
        APIGatewayResponse.dispatch
    APIGatewayResponse.get_usage = get_usage_response
    APIGatewayResponse.update_usage = update_usage_response
    _installed = True
