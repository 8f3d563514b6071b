"""The sandbox's HTTP server: granian, run inside the sandbox's own process.

Why granian: it parses HTTP and keeps connections alive in Rust, outside the GIL, so the one
Python process spends its time on AWS work, not on sockets. waitress, before it, ran an asyncore
loop in Python that walked every open connection on each wake-up: a third of the sandbox's CPU
per order went there, and it grew with the number of clients (bench/README.md has the figures).

Why a subclass: granian runs its workers as processes (``MPServer``) on a normal CPython, but the
sandbox must be one process: moto's state, the Step Functions interpreter and the Lambda worker
pool live in it, and ``control`` stops it by its pid. granian's ``MTServer`` runs workers as
threads of the calling process; it is meant for free-threaded builds and refuses a GIL build in
one check, ``_check_gil``. The worker it starts is the same ``WSGIWorker`` that ``MPServer`` runs
in a child process, and under the GIL the WSGI callbacks simply take turns. That one check is
the patch; the granian version is pinned and checked (``patching.REQUIRED_VERSIONS``), and the
whole test suite and every notebook run on this server.
"""
from __future__ import annotations

from collections.abc import Callable

# Requests can wait on one another (an API Gateway request holds a thread while the Lambda it
# invoked calls back into the sandbox), so the pool is sized well above the clients a lab has.
SERVER_THREADS = 64


def serve_forever(app: Callable, host: str, port: int) -> None:
    """Serve the WSGI ``app`` on host:port until SIGINT (Ctrl-C, or the sandbox's shutdown route)."""
    from granian.constants import HTTPModes, Interfaces
    from granian.server.mt import MTServer

    class InProcessServer(MTServer):
        def _check_gil(self) -> None:  # see the module docstring
            pass

    server = InProcessServer(
        "aws_sandbox", address=host, port=port, interface=Interfaces.WSGI, http=HTTPModes.http1,
        workers=1, blocking_threads=SERVER_THREADS,
        log_level="error",  # not MTServer's "free-threaded support is experimental" warning at every start
    )
    server.serve(target_loader=lambda *_: app, wrap_loader=False)
