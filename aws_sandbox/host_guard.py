"""Only the learner's own machine gets in: the sandbox's first WSGI layer, before any routing.

The sandbox runs code it is sent (Lambda), with the learner's rights. Binding 127.0.0.1 keeps other
machines out, but not a web page in the learner's browser, which can reach 127.0.0.1 two ways:
- **DNS rebinding**: a name the attacker controls (``rebind.attacker.example``) is made to resolve to
  127.0.0.1, so the page's requests are "same-origin" to the browser and can read the answers. They
  still carry the attacker's name in ``Host``: only loopback names and the documented invoke-URL
  host (``{apiId}.execute-api.localhost.localstack.cloud``) are served; anything else gets a 403.
- **Cross-origin requests**: any page may *send* a "simple" request (a form POST, ``fetch`` with
  ``mode: "no-cors"``) to ``http://127.0.0.1:<port>``, and moto would serve an unsigned AWS call
  (CreateFunction, Invoke) from its path alone. Browsers mark such requests with ``Origin`` and
  ``Sec-Fetch-Site``; the AWS API and the sandbox's own routes (reset, shutdown) refuse them.
  Invoke URLs of the learner's REST APIs do not: API Gateway serves cross-origin callers too (it is
  what CORS headers in the API's own responses are for), and they run only what the learner deployed.
No permissive CORS headers are sent: moto's global CORS (``Access-Control-Allow-Origin: *`` on
every answer, and preflights allowed) is switched off, so a page can neither read answers nor send
the signed (non-simple) requests a preflight would have to allow.

Clients on the machine are unaffected: boto3, ``requests`` and the Lambda handlers calling back send
``Host: 127.0.0.1:<port>`` and no ``Origin``.
"""
from __future__ import annotations

import functools
import ipaddress
import json
import re
from typing import Any
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from .patching import replace

INVOKE_HOST = re.compile(r"^[a-z0-9]+\.execute-api\.localhost\.localstack\.cloud$")
LOOPBACK_NAMES = frozenset({"localhost"})
# Sec-Fetch-Site values a browser sends for requests a page of another site made.
FOREIGN_FETCH_SITES = frozenset({"cross-site", "same-site"})


def host_name(host: str) -> str:
    """``Host`` without its port, lower case, IPv6 brackets removed."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def is_loopback(name: str) -> bool:
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@functools.lru_cache(maxsize=512)  # asked on every request, with the same few Host values
def allowed_host(host: str) -> bool:
    """Loopback (127.0.0.0/8, ``localhost``, ``[::1]``) or the invoke-URL host, any port."""
    name = host_name(host)
    return is_loopback(name) or bool(INVOKE_HOST.match(name))


def cross_origin(environ: dict[str, Any]) -> str | None:
    """Why a browser page of another origin sent this request, or None when it did not."""
    site = environ.get("HTTP_SEC_FETCH_SITE", "").lower()
    if site in FOREIGN_FETCH_SITES:
        return f"Sec-Fetch-Site: {site}"
    origin = environ.get("HTTP_ORIGIN")
    if origin is None:
        return None  # not sent by a browser for another site (boto3, requests, curl, same-origin GET)
    parts = urlsplit(origin)
    if parts.scheme in ("http", "https") and parts.netloc.lower() == environ.get("HTTP_HOST", "").lower():
        return None  # the sandbox itself
    return f"Origin: {origin}"


def forbidden(start_response: Callable, message: str) -> Iterable[bytes]:
    body = json.dumps({"__type": "AccessDeniedException", "message": message}).encode()
    start_response("403 Forbidden", [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                                     ("x-amzn-ErrorType", "AccessDeniedException")])
    return [body]


class HostGuard:
    """WSGI middleware: refuse foreign hosts, and cross-origin calls outside the invoke URLs."""

    def __init__(self, app: Callable, is_invoke_url: Callable[[dict[str, Any]], bool]) -> None:
        self.app = app
        self.is_invoke_url = is_invoke_url

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST", "")
        if not allowed_host(host):
            return forbidden(start_response, (
                f"The sandbox serves this machine only: Host {host or '(none)'!r} is not a loopback name "
                "(127.0.0.1, localhost, [::1]) or {apiId}.execute-api.localhost.localstack.cloud. "
                "Use http://127.0.0.1:<port> as the endpoint."))
        if not environ.get("PATH_INFO", "").startswith("/_sandbox/") and self.is_invoke_url(environ):
            return self.app(environ, start_response)
        reason = cross_origin(environ)
        if reason is not None:
            return forbidden(start_response, (
                f"The sandbox refuses AWS API and sandbox calls from web pages of other origins ({reason}). "
                "Call it from code on this machine (boto3, the notebooks' helpers)."))
        return self.app(environ, start_response)


def install() -> None:
    """Switch off moto's global CORS (``Access-Control-Allow-Origin: *``, any preflight allowed)."""
    import moto.moto_server.werkzeug_app as werkzeug_app

    replace(werkzeug_app, "DISABLE_GLOBAL_CORS", True)  # read by create_backend_app, once per service
