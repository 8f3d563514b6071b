"""UpdateStage as AWS answers it, where moto did not (AWS-recorded in LocalStack's validated
``test_apigateway_common.py::TestStages`` and ``test_apigateway_api.py::TestApiGatewayStage``):

- a method setting created by a patch starts from AWS's defaults: throttling at the account level
  (rate 10,000, burst 5,000; moto: 1,000 and 2,000, so the data plane throttled a stage that had
  only turned metrics or logging on), ``cacheDataEncrypted`` false; a method's own settings start as a
  copy of the stage's ``*/*`` ones (so ``/orders/POST/throttling/burstLimit`` keeps the ``*/*`` rate),
  and a later change to ``*/*`` leaves them alone;
- ``remove /{resource}/{method}`` (``/*/*``) drops that method's settings, and is refused when there
  are none (moto ignored it);
- ``replace`` of a path UpdateStage does not have is refused, listing the paths AWS lists;
- ``/accessLogSettings/destinationArn`` and ``/format`` take ``add`` as well as ``replace``, never an
  empty value; any other access-log path is refused (moto refused ``add``, ignored the rest).
A patch is checked whole before any of it applies. A stage answers as AWS's (recorded ``create-stage``,
``get-stages``): ``cacheClusterStatus`` NOT_AVAILABLE and ``tracingEnabled`` false unless set,
``createdDate`` and ``lastUpdatedDate``, no empty ``variables`` or ``description``.
"""
from __future__ import annotations

import time
from typing import Any

from .patch_operations import bad_request

DEFAULT_METHOD_SETTINGS = {
    "cacheDataEncrypted": False, "cacheTtlInSeconds": 300, "cachingEnabled": False, "dataTraceEnabled": False,
    "metricsEnabled": False, "requireAuthorizationForCacheControl": True, "throttlingBurstLimit": 5000,
    "throttlingRateLimit": 10000.0, "unauthorizedCacheControlHeaderStrategy": "SUCCEED_WITH_RESPONSE_HEADER",
}
STAGE_FIELDS = ("/deploymentId", "/description", "/cacheClusterEnabled", "/cacheClusterSize",
                "/clientCertificateId", "/tracingEnabled")
ACCESS_LOG_FIELDS = ("/accessLogSettings/destinationArn", "/accessLogSettings/format")
# AWS's own list, verbatim (its missing commas included).
_SETTINGS = ("metrics/enabled, {p}/logging/dataTrace, {p}/logging/loglevel, {p}/throttling/burstLimit"
             "{p}/throttling/rateLimit{p}/caching/ttlInSeconds, {p}/caching/enabled, {p}/caching/dataEncrypted, "
             "{p}/caching/requireAuthorizationForCacheControl, {p}/caching/unauthorizedCacheControlHeaderStrategy")
_STAR_SETTINGS = _SETTINGS.replace("burstLimit{p}", "burstLimit {p}").replace("rateLimit{p}", "rateLimit {p}")
VALID_PATHS = ("/deploymentId, /description, /cacheClusterEnabled, /cacheClusterSize, /clientCertificateId, "
               "/accessLogSettings, /accessLogSettings/destinationArn, /accessLogSettings/format, "
               + "/{resourcePath}/{httpMethod}/" + _SETTINGS.format(p="/{resourcePath}/{httpMethod}") + ", "
               + "/*/*/" + _STAR_SETTINGS.format(p="/*/*") + ", /variables/{variable_name}, /tracingEnabled")


def _no_setting(name: str) -> Exception:
    return bad_request(f"Cannot remove method setting {name} because there is no method setting for this method ")


def _checked(stage: Any, operations: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """The operations for moto's ``apply_operations`` and the method settings to remove."""
    passed, removals = [], []
    for operation in operations:
        op, path, value = operation.get("op"), operation.get("path") or "", operation.get("value")
        parts = path.split("/")
        if path.startswith("/accessLogSettings") and path != "/accessLogSettings":
            if op == "remove":
                raise _no_setting(path[1:])
            if path not in ACCESS_LOG_FIELDS:
                raise bad_request("Invalid accessLogSettings path. Must be one of : "
                                  f"[{', '.join(ACCESS_LOG_FIELDS)}]")
            if not value:
                raise bad_request("Access Log value must not be empty")
            operation = {**operation, "op": "replace"}
        elif path == "/accessLogSettings" and op != "remove":
            raise bad_request("Invalid accessLogSettings path. Must be one of : "
                              f"[{', '.join(ACCESS_LOG_FIELDS)}]")
        elif op == "remove" and len(parts) == 3 and parts[1] != "variables":
            key = "/".join(parts[1:])
            if key not in stage.method_settings or key in removals:
                raise _no_setting(key)
            removals.append(key)
            continue
        elif op == "replace" and not (path in STAGE_FIELDS or path.startswith(("/variables/", "/canarySettings/"))
                                      or (len(parts) >= 5 and stage._method_settings_translations(
                                          "/".join(parts[3:])) is not None)):
            raise bad_request(f"Invalid method setting path: {path}. Must be one of: [{VALID_PATHS}]")
        passed.append(operation)
    return passed, removals


_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    from moto.apigateway.models import Stage

    from ..patching import replace

    def apply_operations(self: Any, patch_operations: list[dict[str, Any]]) -> Any:
        passed, removals = _checked(self, patch_operations or [])
        original(self, passed)
        for key in removals:
            del self.method_settings[key]
        return self

    def default_method_settings(self: Any) -> dict[str, Any]:
        # A method's own settings start as a copy of the stage's `*/*` ones when there are any.
        return dict(self.method_settings.get("*/*") or DEFAULT_METHOD_SETTINGS)

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.created_date = self.last_updated_date = int(time.time())

    def apply_and_date(self: Any, patch_operations: list[dict[str, Any]]) -> Any:
        apply_operations(self, patch_operations)
        self.last_updated_date = int(time.time())
        return self

    def to_json(self: Any) -> dict[str, Any]:
        answer = original_to_json(self)
        for name in ("variables", "description"):
            if not answer.get(name):
                answer.pop(name, None)
        answer.setdefault("cacheClusterStatus", "NOT_AVAILABLE")
        answer.setdefault("tracingEnabled", False)
        created = getattr(self, "created_date", None)  # None: made before install()
        if created is not None:
            answer.update(createdDate=created, lastUpdatedDate=self.last_updated_date)
        return answer

    original = replace(Stage, "apply_operations", apply_and_date)
    original_init = replace(Stage, "__init__", init)
    original_to_json = replace(Stage, "to_json", to_json)
    replace(Stage, "_get_default_method_settings", default_method_settings)
    _installed = True
