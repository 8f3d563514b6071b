"""``python -m aws_sandbox start|status|stop|reset|serve [--port N]``."""
from __future__ import annotations

import argparse
import sys

from . import DEFAULT_PORT, control


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m aws_sandbox",
                                     description="The workshop kit's offline AWS sandbox.")
    parser.add_argument("command", choices=["start", "status", "stop", "reset", "serve"])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port on 127.0.0.1 (default {DEFAULT_PORT})")
    args = parser.parse_args(argv)

    if args.command == "serve":
        # jsonschema imports rfc3987_syntax when it is installed (JupyterLab's dependencies bring it),
        # and that builds 38 grammars at import: seconds of start-up, for an "iri" format check
        # that API Gateway's draft-4 models never use. The server process does without it.
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
        from .server import serve

        serve(args.port)
        return 0
    try:
        if args.command == "start":
            print(control.start(args.port))
        elif args.command == "status":
            health = control.status(args.port)
            if not health:
                print(f"no sandbox on port {args.port}")
                return 1
            print(f"running on {control.endpoint(args.port)} (pid {health['pid']}, "
                  f"up {health['uptime_seconds']:.0f} s)")
        elif args.command == "stop":
            control.stop(args.port)
            print(f"stopped sandbox on port {args.port}")
        elif args.command == "reset":
            seconds = control.reset(args.port)
            print(f"reset in {seconds:.3f} s")
    except control.SandboxError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
