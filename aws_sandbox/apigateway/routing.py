"""Match a request path to a deployed resource, as API Gateway does.

Resources form a tree of path parts. At each level a literal part wins over ``{param}``, which
wins over a greedy ``{proxy+}`` (one or more remaining segments). A method matches exactly,
else ``ANY``. The tree is built once per deployment.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import unquote

if TYPE_CHECKING:
    from .deployments import Method, Resource


@dataclass
class _Node:
    resource: Resource | None = None
    literals: dict[str, _Node] = field(default_factory=dict)
    param: tuple[str, _Node] | None = None
    greedy: tuple[str, _Node] | None = None


@dataclass(frozen=True)
class Match:
    resource: Resource
    method: Method
    path_params: dict[str, str]


class Router:
    def __init__(self, resources: list[Resource]):
        self.root = _Node()
        for resource in resources:
            node = self.root
            for part in _segments(resource.path):
                if part.startswith("{") and part.endswith("+}"):
                    if node.greedy is None:
                        node.greedy = (part[1:-2], _Node())
                    node = node.greedy[1]
                elif part.startswith("{") and part.endswith("}"):
                    if node.param is None:
                        node.param = (part[1:-1], _Node())
                    node = node.param[1]
                else:
                    node = node.literals.setdefault(part, _Node())
            node.resource = resource

    def match(self, http_method: str, path: str) -> Match | None:
        """The resource and method serving ``http_method path``; None if there is none."""
        segments = _Segments([unquote(part) for part in path.split("/")])
        found = self._walk(self.root, segments, 0, {})
        if found is None:
            return None
        resource, params = found
        method = resource.methods.get(http_method) or resource.methods.get("ANY")
        if method is None:
            return None
        return Match(resource, method, params)

    def _walk(self, node: _Node, segments: _Segments, i: int,
              params: dict[str, str]) -> tuple[Resource, dict[str, str]] | None:
        if i == len(segments):
            return (node.resource, params) if node.resource is not None and node.resource.methods else None
        part = segments[i]
        child = node.literals.get(part)
        if child is not None:
            found = self._walk(child, segments, i + 1, params)
            if found:
                return found
        if node.param is not None:
            name, child = node.param
            found = self._walk(child, segments, i + 1, {**params, name: part})
            if found:
                return found
        if node.greedy is not None:
            name, child = node.greedy
            if child.resource is not None and child.resource.methods:
                return child.resource, {**params, name: _remainder(segments, i)}
        return None


class _Segments(list):
    """A path's non-empty segments, remembering the path's parts between them (empty ones too)."""

    def __init__(self, parts: list[str]):
        self.parts = parts
        self.positions = [n for n, part in enumerate(parts) if part]
        super().__init__(part for part in parts if part)


def _remainder(segments: _Segments, i: int) -> str:
    """What a greedy ``{proxy+}`` takes from segment ``i`` on: the segments joined as they were sent,
    interior empty segments kept and the trailing slash left out (AWS-recorded in
    test_lambda_aws_proxy_integration: ``proxy-value//double-slash``)."""
    return "/".join(segments.parts[segments.positions[i]:segments.positions[-1] + 1])


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]
