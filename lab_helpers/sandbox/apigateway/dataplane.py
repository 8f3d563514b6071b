"""API Gateway REST data plane (placeholder until it lands)."""
from __future__ import annotations

import json

from werkzeug.wrappers import Request, Response


def handle(request: Request, api_id: str, stage: str, path: str) -> Response:
    return Response(json.dumps({"message": "data plane not implemented yet"}), status=501,
                    mimetype="application/json")


def reset() -> None:
    pass
