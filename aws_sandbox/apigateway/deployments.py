"""What a stage serves: an immutable snapshot of the REST API taken at CreateDeployment.

AWS serves a deployment, not the live API: a method added after the last deployment is not
served until the API is deployed again. moto keeps only the live API (its ``Deployment`` holds
an id and a name), so ``install()`` hooks ``RestAPI.create_deployment`` to compile the API into
a ``Snapshot`` (routing table, methods, integrations, validators, models, gateway responses)
under the new deployment's id. Stage settings (variables, method settings, access logging) are
read live from the stage, as in AWS, where they apply without a redeployment.
"""
from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from ..patching import replace
from . import routing

DEFAULT_TIMEOUT_MS = 29_000


@dataclass(frozen=True)
class IntegrationResponse:
    status_code: str
    selection_pattern: re.Pattern[str] | None  # None: the default response
    templates: dict[str, str]
    parameters: dict[str, str]


@dataclass(frozen=True)
class Integration:
    type: str  # AWS, AWS_PROXY, HTTP, HTTP_PROXY, MOCK
    uri: str
    http_method: str
    templates: dict[str, str]
    passthrough: str  # WHEN_NO_MATCH, WHEN_NO_TEMPLATES, NEVER
    parameters: dict[str, str]
    timeout_ms: int
    credentials: str | None
    responses: tuple[IntegrationResponse, ...]
    default_response: IntegrationResponse | None


@dataclass(frozen=True)
class Method:
    http_method: str
    api_key_required: bool
    request_parameters: dict[str, bool]
    request_models: dict[str, str]
    validator_id: str | None
    integration: Integration | None


@dataclass(frozen=True)
class Resource:
    id: str
    path: str
    methods: dict[str, Method]


@dataclass(frozen=True)
class GatewayResponse:
    status_code: str | None
    parameters: dict[str, str]
    templates: dict[str, str]


@dataclass
class Snapshot:
    api_id: str
    deployment_id: str
    account_id: str
    region: str
    api_key_source: str
    router: routing.Router
    validators: dict[str, tuple[bool, bool]]  # id -> (validate body, validate parameters)
    models: dict[str, dict[str, Any]]  # name -> parsed JSON schema
    gateway_responses: dict[str, GatewayResponse]
    validator_cache: dict[str, Any] = field(default_factory=dict)  # built lazily by validation


_snapshots: dict[tuple[str, str], Snapshot] = {}
_lock = threading.Lock()


def snapshot_of(api: Any, deployment_id: str) -> Snapshot:
    """Compile moto's live ``RestAPI`` into what the deployment serves."""
    resources = []
    for resource in list(api.resources.values()):
        as_dict = json.loads(json.dumps(resource.to_dict()))  # a deep copy, detached from moto
        methods = {verb: _method(spec) for verb, spec in (as_dict.get("resourceMethods") or {}).items()}
        resources.append(Resource(id=as_dict["id"], path=as_dict["path"], methods=methods))
    models = {}
    for name, model in api.models.items():
        try:
            models[name] = json.loads(model.schema) if isinstance(model.schema, str) else model.schema
        except (TypeError, ValueError):
            models[name] = {}
    return Snapshot(
        api_id=api.id,
        deployment_id=deployment_id,
        account_id=api.account_id,
        region=api.region_name,
        api_key_source=api.api_key_source or "HEADER",
        router=routing.Router(resources),
        validators={
            v.id: (bool(v.validate_request_body), _truthy(v.validate_request_parameters))
            for v in api.request_validators.values()
        },
        models=models,
        gateway_responses={
            kind: GatewayResponse(
                status_code=str(r.status_code) if r.status_code else None,
                parameters=dict(r.response_parameters or {}),
                templates=dict(r.response_templates or {}),
            )
            for kind, r in api.gateway_responses.items()
        },
    )


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _method(spec: dict[str, Any]) -> Method:
    integration = spec.get("methodIntegration")
    return Method(
        http_method=spec["httpMethod"],
        api_key_required=bool(spec.get("apiKeyRequired")),
        request_parameters={k: _truthy(v) for k, v in (spec.get("requestParameters") or {}).items()},
        request_models=dict(spec.get("requestModels") or {}),
        validator_id=spec.get("requestValidatorId") or None,
        integration=_integration(integration) if integration else None,
    )


def _integration(spec: dict[str, Any]) -> Integration:
    responses = []
    default = None
    for status, r in (spec.get("integrationResponses") or {}).items():
        pattern = r.get("selectionPattern")
        response = IntegrationResponse(
            status_code=str(r.get("statusCode") or status),
            # Java's String.matches: the whole string must match; (?s) because a Lambda
            # errorMessage may span lines and AWS's patterns are matched with DOTALL semantics.
            selection_pattern=re.compile(f"(?s){pattern}") if pattern else None,
            templates={k: v for k, v in (r.get("responseTemplates") or {}).items() if v is not None},
            parameters=dict(r.get("responseParameters") or {}),
        )
        if pattern:
            responses.append(response)
        else:
            default = response
    timeout = spec.get("timeoutInMillis")
    return Integration(
        type=(spec.get("type") or "").upper(),
        uri=spec.get("uri") or "",
        http_method=(spec.get("httpMethod") or "POST").upper(),
        templates={k: v for k, v in (spec.get("requestTemplates") or {}).items() if v is not None},
        passthrough=spec.get("passthroughBehavior") or "WHEN_NO_MATCH",
        parameters=dict(spec.get("requestParameters") or {}),
        timeout_ms=int(timeout) if timeout else DEFAULT_TIMEOUT_MS,
        credentials=spec.get("credentials"),
        responses=tuple(responses),
        default_response=default,
    )


def get(api: Any, deployment_id: str) -> Snapshot:
    """The snapshot of ``deployment_id``; one taken now if the deployment predates ``install()``."""
    key = (api.id, deployment_id)
    snapshot = _snapshots.get(key)
    if snapshot is None:
        with _lock:
            snapshot = _snapshots.get(key) or snapshot_of(api, deployment_id)
            _snapshots[key] = snapshot
    return snapshot


def reset() -> None:
    _snapshots.clear()


_installed = False


def install() -> None:
    """Snapshot every new deployment, keep a redeployed stage's settings, and refuse to delete a
    deployment a stage serves (as AWS does).

    moto's ``RestAPI.create_deployment`` replaces an existing stage with a blank one, losing
    its variables, method settings (throttling) and access-log settings; AWS only points the
    stage at the new deployment.
    """
    global _installed
    if _installed:
        return
    from moto.apigateway.models import RestAPI

    def create_deployment(self: Any, name: str, description: str, stage_variables: Any = None) -> Any:
        previous = self.stages.get(name) if name else None
        deployment = original(self, name, description, stage_variables)
        if previous is not None:
            previous.deployment_id = deployment.id
            previous.variables.update(stage_variables or {})
            self.stages[name] = previous
        with _lock:
            _snapshots[(self.id, deployment.id)] = snapshot_of(self, deployment.id)
        return deployment

    def delete_deployment(self: Any, deployment_id: str) -> Any:
        """AWS refuses while any stage points at the deployment, however that stage was made
        (moto only checked a stage created by CreateDeployment's stageName, so a CreateStage
        stage lost what it served), and answers an unknown id with a 404 (moto: 400)."""
        from moto.apigateway.exceptions import StageStillActive

        from .patch_operations import not_found

        if deployment_id not in self.deployments:
            raise not_found("Invalid Deployment identifier specified")
        if any(stage.deployment_id == deployment_id for stage in self.stages.values()):
            raise StageStillActive()
        with _lock:
            _snapshots.pop((self.id, deployment_id), None)
        return self.deployments.pop(deployment_id)

    original = replace(RestAPI, "create_deployment", create_deployment)
    replace(RestAPI, "delete_deployment", delete_deployment)
    _installed = True
