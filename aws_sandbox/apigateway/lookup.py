"""Lookups every mapping shares: dotted sources (``context.a.b``, ``stageVariables.x``, a body's
``a.b``) and the template chosen by an Accept header. One walk, one rule for what is missing.

A source that names nothing (a missing key, or a path through a non-object) is ``None``; each
caller then does what API Gateway does with a missing value: a mapped header or parameter is
left out (request, response and gateway-response mappings alike), and an access-log field
prints ``-``.
"""
from __future__ import annotations

import json
from typing import Any


def dotted(root: Any, path: str) -> Any:
    """``root[a][b]...`` for ``path`` ``"a.b..."``; None where any step is missing."""
    value = root
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def context_or_stage_value(source: str, context: dict[str, Any], stage_variables: dict[str, str]) -> str | None:
    """A ``context.a.b`` or ``stageVariables.x`` mapping source as text; None when it names nothing."""
    if source.startswith("context."):
        value = dotted(context, source[len("context."):])
        return None if value is None else str(value)
    if source.startswith("stageVariables."):
        return stage_variables.get(source[len("stageVariables."):])
    return None


def json_body_value(body: bytes, path: str) -> str | None:
    """``...body.a.b``: that value of a JSON body, strings as they are and the rest as compact JSON;
    None when the body is not JSON or the path names nothing."""
    try:
        document: Any = json.loads(body or b"{}")
    except (ValueError, RecursionError):  # RecursionError: nested too deep to parse
        return None
    value = dotted(document, path)
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def template_for_accept(templates: dict[str, str], accept_header: str | None) -> str:
    """The content type whose template answers: the Accept header's first media type when a
    template has it, else application/json when there is one, else the first template."""
    accept = (accept_header or "").split(";")[0].strip().lower()
    if accept in templates:
        return accept
    return "application/json" if "application/json" in templates else next(iter(templates))
