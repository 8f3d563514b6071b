"""The sandbox's HTTP server, and the one place its parts are wired together.

``SandboxApp`` installs every change to moto (``moto_patches``), builds the AWS API dispatcher
(``awsapi``) with the sandbox's own operations, and serves one WSGI app on 127.0.0.1.

Every request first passes ``host_guard`` (loopback Host names and the invoke-URL host only; no
AWS API or sandbox call from another origin's web page). Then it is routed, in order, to:
1. the sandbox's own control routes under ``/_sandbox/`` (health, reset, shutdown, access log);
2. the API Gateway data plane (REST API invoke URLs in LocalStack's three forms);
3. the AWS API dispatcher (``awsapi``): operations moto lacks or gets wrong, answered by the
   sandbox, then moto's own dispatcher for every other AWS API call.
"""
from __future__ import annotations

import json
import logging
import os
import re
import signal
import threading
import time
from collections.abc import Iterable

from werkzeug.wrappers import Request, Response

from . import (DEFAULT_PORT, awsapi, host_guard, http_server, httpapi, lambda_runtime, metrics, moto_patches,
               request_validation)
from .apigateway import accesslog, dataplane

log = logging.getLogger("aws_sandbox")

# /_aws/execute-api/{apiId}/{stage}/{path}  and  /restapis/{apiId}/{stage}/_user_request_/{path}
EXECUTE_API_PATHS = (
    re.compile(r"^/_aws/execute-api/(?P<api>[^/]+)/(?P<stage>[^/]+)(?P<path>/.*)?$"),
    re.compile(r"^/restapis/(?P<api>[^/]+)/(?P<stage>[^/]+)/_user_request_(?P<path>/.*)?$"),
)
# {apiId}.execute-api.localhost.localstack.cloud[:port]. (The AWS form, {apiId}.execute-api.{region}.
# amazonaws.com, is served in-process to apigateway:invoke only; host_guard refuses it over HTTP.)
EXECUTE_API_HOST = re.compile(r"^(?P<api>[a-z0-9]+)\.execute-api\.localhost\.localstack\.cloud(:\d+)?$")

class SandboxApp:
    """The WSGI application: sandbox routes first, moto for the rest."""

    def __init__(self, port: int):
        self.port = port
        self.started = time.time()
        moto_patches.install(port)
        # Malformed requests get AWS's 4xx before any handler or moto sees them.
        self.aws_api = awsapi.configure(moto_patches.extra_operations(), _install_deferred_for,
                                        refuse=request_validation.check)
        self.shutdown_requested = threading.Event()

    # -- routing ------------------------------------------------------------------------
    def __call__(self, environ, start_response) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_sandbox/"):
            return self.control(Request(environ))(environ, start_response)
        target = self.execute_api_target(environ)
        if target is not None:
            api_id, stage, api_path = target
            moto_patches.install_deferred()
            request = Request(environ)
            serve = httpapi.handle if httpapi.serves(api_id) else dataplane.handle  # HTTP API or REST API
            return serve(request, api_id, stage, api_path)(environ, start_response)
        return self.aws_api(environ, start_response)

    @staticmethod
    def execute_api_target(environ) -> tuple[str, str, str] | None:
        path = environ.get("PATH_INFO", "")
        for pattern in EXECUTE_API_PATHS:
            match = pattern.match(path)
            if match:
                return match["api"], match["stage"], match["path"] or "/"
        match = EXECUTE_API_HOST.match(environ.get("HTTP_HOST", ""))
        if match:
            parts = path.lstrip("/").split("/", 1)
            stage = parts[0]
            return match["api"], stage, "/" + (parts[1] if len(parts) > 1 else "")
        return None

    # -- control routes -----------------------------------------------------------------
    def control(self, request: Request) -> Response:
        route = request.path[len("/_sandbox/"):].strip("/")
        if route == "health":
            return json_response(
                {"status": "running", "port": self.port, "pid": os.getpid(),
                 "uptime_seconds": round(time.time() - self.started, 3), "lambda": lambda_runtime.stats()}
            )
        if route == "reset" and request.method == "POST":
            started = time.perf_counter()
            reset_everything()
            return json_response({"reset": True, "seconds": round(time.perf_counter() - started, 3)})
        if route == "shutdown" and request.method == "POST":
            self.shutdown_requested.set()
            return json_response({"stopping": True})
        if route == "access-log":
            return json_response({"entries": accesslog.entries(since=request.args.get("since"))})
        return json_response({"message": f"unknown sandbox route {request.path}"}, status=404)


def reset_everything() -> None:
    """Wipe all state: moto's backends, Lambda workers, data-plane counters and logs."""
    from moto.moto_api import _internal

    lambda_runtime.shutdown_all_workers()
    _internal.moto_api_backend.reset()
    dataplane.reset()
    metrics.reset()


def _install_deferred_for(service: str) -> None:
    """A request for Step Functions or API Gateway waits until their patches are in."""
    if service in moto_patches.DEFERRED_SERVICES and not moto_patches.deferred_installed():
        moto_patches.install_deferred()


def json_response(body, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def serve(port: int = DEFAULT_PORT, host: str = "127.0.0.1") -> None:
    """Run the sandbox in the foreground until interrupted or asked to shut down (``http_server``)."""
    logging.basicConfig(level=os.environ.get("LAB_SANDBOX_LOG_LEVEL", "WARNING"))
    app = SandboxApp(port)
    guarded = host_guard.HostGuard(app, is_invoke_url=lambda environ: app.execute_api_target(environ) is not None)
    threading.Thread(target=_stop_when_asked, args=(app,), daemon=True).start()
    threading.Thread(target=moto_patches.install_deferred, name="warm-up", daemon=True).start()
    print(f"sandbox listening on http://{host}:{port}", flush=True)
    try:
        http_server.serve_forever(guarded, host, port)  # returns on SIGINT (Ctrl-C, or _stop_when_asked)
    finally:
        lambda_runtime.shutdown_all_workers()


def _stop_when_asked(app: SandboxApp) -> None:
    app.shutdown_requested.wait()
    time.sleep(0.05)  # let the shutdown answer reach the client first
    os.kill(os.getpid(), signal.SIGINT)  # the server stops on SIGINT
