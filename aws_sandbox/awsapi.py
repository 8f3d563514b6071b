"""The sandbox's AWS API dispatcher, one per process: the sandbox's own operations first,
then moto's dispatcher for everything else.

The server builds it (``configure``) with the handlers ``moto_patches.extra_operations()``
lists; the HTTP server routes AWS API calls here, and so do in-process callers (API Gateway
AWS integrations, through ``app()``), so both see exactly the same services.
"""
from __future__ import annotations

import os
import re
from typing import Any
from collections.abc import Callable, Iterable

from werkzeug.wrappers import Request, Response

# SigV4: "Credential=<access key>/<date>/<region>/<service>/aws4_request". The signature is not checked.
CREDENTIAL_SCOPE = re.compile(
    r"Credential=(?P<key>[^/,\s]+)/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/")
DEFAULT_ACCOUNT_ID = "123456789012"

Handler = Callable[[Request], "Response | None"]
_app: AwsApiApp | None = None


Refuse = Callable[[dict[str, Any]], "Response | None"]


class AwsApiApp:
    """WSGI app for AWS API requests. ``refuse(environ)`` answers first, for a request AWS would
    refuse (it leaves the body readable). Extra handlers decide from the path and headers alone,
    so a request they decline still has its body unread for moto. ``before(service)`` is
    called with the request's signing name first (the server makes deferred patches wait)."""

    def __init__(self, extra_operations: list[Handler], before: Callable[[str], None],
                 refuse: Refuse | None = None) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        self.extra_operations = extra_operations
        self.before = before
        self.refuse = refuse
        self.moto = DomainDispatcherApplication(create_backend_app)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        refused = self.refuse(environ) if self.refuse else None
        if refused is not None:
            return refused(environ, start_response)
        scope = CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        if scope:
            self.before(scope["service"])
        if environ.get("REQUEST_METHOD") == "POST":
            request = Request(environ)
            for handler in self.extra_operations:
                response = handler(request)
                if response is not None:
                    return response(environ, start_response)
        return self.moto(environ, start_response)


def configure(extra_operations: list[Handler], before: Callable[[str], None],
              refuse: Refuse | None = None) -> AwsApiApp:
    """Build the process's dispatcher (the server does, once, after installing moto's patches)."""
    global _app
    _app = AwsApiApp(extra_operations, before, refuse)
    return _app


def app() -> AwsApiApp:
    """The process's dispatcher, as the server configured it."""
    if _app is None:
        raise RuntimeError("awsapi.configure() has not been called: the server builds the dispatcher")
    return _app


def caller_account_and_region(request: Request) -> tuple[str, str]:
    """The account as moto derives it (env, header, then the access key) and the signed region."""
    return caller_account_and_region_of(request.headers)


def caller_account_and_region_of(headers) -> tuple[str, str]:
    """``caller_account_and_region`` from the request's headers (any case-insensitive mapping)."""
    from moto.iam.models import get_account_id_from

    scope = CREDENTIAL_SCOPE.search(headers.get("Authorization", ""))
    region = scope["region"] if scope else "us-east-1"
    account_id = (os.environ.get("MOTO_ACCOUNT_ID") or headers.get("x-moto-account-id")
                  or (get_account_id_from(scope["key"]) if scope else DEFAULT_ACCOUNT_ID))
    return account_id, region
