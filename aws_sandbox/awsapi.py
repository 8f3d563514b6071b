"""The sandbox's AWS API dispatcher, one per process: the sandbox's own operations first
(``moto_patches.extra_operations()``), then moto's dispatcher for everything else.

The HTTP server routes AWS API calls here, and so do in-process callers (API Gateway AWS
integrations), so both see exactly the same services.
"""
from __future__ import annotations

import os
import re
import threading
from typing import Any, Iterable

from werkzeug.wrappers import Request

# SigV4: "Credential=<access key>/<date>/<region>/<service>/aws4_request". The signature is not checked.
CREDENTIAL_SCOPE = re.compile(
    r"Credential=(?P<key>[^/,\s]+)/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/")
DEFAULT_ACCOUNT_ID = "123456789012"

_app: "AwsApiApp | None" = None
_lock = threading.Lock()


class AwsApiApp:
    """WSGI app for AWS API requests. Extra handlers decide from the path and headers alone,
    so a request they decline still has its body unread for moto."""

    def __init__(self) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        from . import moto_patches

        self.extra_operations = moto_patches.extra_operations()
        self.moto = DomainDispatcherApplication(create_backend_app)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        from . import moto_patches, request_validation

        refused = request_validation.check(environ)  # AWS's 4xx for malformed requests, before moto
        if refused is not None:
            return refused(environ, start_response)

        if not moto_patches.deferred_installed():
            scope = CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
            if scope and scope["service"] in moto_patches.DEFERRED_SERVICES:
                moto_patches.install_deferred()
        if environ.get("REQUEST_METHOD") == "POST":
            request = Request(environ)
            for handler in self.extra_operations:
                response = handler(request)
                if response is not None:
                    return response(environ, start_response)
        return self.moto(environ, start_response)


def app() -> AwsApiApp:
    """The process's dispatcher, built on first use (after ``moto_patches.install``)."""
    global _app
    if _app is None:
        with _lock:
            if _app is None:
                _app = AwsApiApp()
    return _app


def caller_account_and_region(request: Request) -> tuple[str, str]:
    """The account as moto derives it (env, header, then the access key) and the signed region."""
    from moto.iam.models import get_account_id_from

    scope = CREDENTIAL_SCOPE.search(request.headers.get("Authorization", ""))
    region = scope["region"] if scope else "us-east-1"
    account_id = (os.environ.get("MOTO_ACCOUNT_ID") or request.headers.get("x-moto-account-id")
                  or (get_account_id_from(scope["key"]) if scope else DEFAULT_ACCOUNT_ID))
    return account_id, region
