"""API Gateway mapping templates (VTL), rendered the way API Gateway renders them.

Built on airspeed-ext, the Velocity engine LocalStack made for AWS templates. This module adds what
API Gateway puts in a template's namespace: ``$input``, ``$util``, ``$context``, ``$stageVariables``,
and Java-like values (maps print ``{k=v}``, JSON lists print as compact JSON, a missing value prints
as the empty string and equals both ``$null`` and ``""``), as recorded against AWS in
``tests/conformance/vtl_cases.json``.

    request = TemplateRequest(body='{"a": 1}', path_params={}, query={}, headers={},
                              context=aws_context(api_id="abc123", stage="dev", ...),
                              stage_variables={})
    text = render("$input.json('$.a')", request)      # -> '1'
    request.context["responseOverride"]               # whatever the template #set there
"""
from __future__ import annotations

import base64
import binascii
import json
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import quote_plus, unquote_plus

import airspeed
from airspeed import operators as _airspeed_ops
from jsonpath_ng.ext import parse as _parse_jsonpath

from ..patching import PatchTargetMissing, replace

__all__ = ["TemplateRequest", "render", "aws_context", "MappingTemplateError", "BodyNotJsonError"]


@dataclass
class TemplateRequest:
    """What ``$input`` / ``$context`` / ``$stageVariables`` see."""
    body: str                    # raw payload text ("" when empty)
    path_params: dict[str, str]
    query: dict[str, str]        # already URL-decoded; last value wins for repeats
    headers: dict[str, str]      # original case; lookups case-insensitive
    context: dict                # $context variables (nested dicts: identity, requestOverride, ...)
    stage_variables: dict[str, str]
    multi_query: dict[str, list[str]] = field(default_factory=dict)
    multi_headers: dict[str, list[str]] = field(default_factory=dict)


class MappingTemplateError(Exception):
    """The template could not be rendered (syntax error, failing call). API Gateway answers 500."""


class BodyNotJsonError(MappingTemplateError):
    """``$input.json``/``$input.path`` on a payload that is not JSON.

    In a request template API Gateway answers 400 ``{"message": "Could not parse request body into
    json: ..."}``; ``str(error)`` is that message."""


def render(template: str, request: TemplateRequest) -> str:
    """Render a mapping template. Mutations of $context.requestOverride / responseOverride made by the
    template are left in request.context so the caller can apply them."""
    context = _context_map(request.context)
    _ensure_overrides(context)
    namespace = _Namespace(
        input=_Input(request),
        util=_Util(),
        context=context,
        stageVariables=JavaMap(request.stage_variables or {}),
    )
    try:
        text = _compile(template).merge(namespace)
    except airspeed.TemplateError as error:
        cause = error.__cause__
        while cause is not None and not isinstance(cause, MappingTemplateError):
            cause = cause.__cause__
        if cause is not None:
            raise cause from error
        raise MappingTemplateError(str(error)) from error
    finally:
        # Keep the caller's dict object; its nested maps are now ContextMaps (still dicts).
        request.context.clear()
        request.context.update(context)
    return text


@lru_cache(maxsize=512)
def _compile(template: str) -> airspeed.Template:
    """Parsing is the costly part of a render and the same templates come back on every request."""
    compiled = airspeed.Template(template)
    compiled.ensure_compiled()
    return compiled


def aws_context(*, api_id: str, stage: str, http_method: str, resource_path: str, resource_id: str,
                path: str, request_id: str, extended_request_id: str, account_id: str,
                deployment_id: str, domain_name: str, source_ip: str, user_agent: str | None,
                request_time_epoch_ms: int | None = None, protocol: str = "HTTP/1.1",
                api_key: str | None = None, api_key_id: str | None = None,
                authorizer: dict | None = None) -> dict:
    """``$context`` with the keys API Gateway gives a REST API template (recorded key set, see
    conformance case ``context_keyset_and_identity_keys``). ``path`` is the full request path
    including the stage (``/dev/orders``)."""
    epoch_ms = int(time.time() * 1000) if request_time_epoch_ms is None else request_time_epoch_ms
    identity: dict[str, Any] = {
        "cognitoIdentityPoolId": None, "accountId": None, "cognitoIdentityId": None,
        "caller": None, "sourceIp": source_ip, "principalOrgId": None, "accessKey": None,
        "cognitoAuthenticationType": None, "cognitoAuthenticationProvider": None,
        "userArn": None, "userAgent": user_agent, "user": None,
    }
    if api_key is not None:
        identity["apiKey"] = api_key
        identity["apiKeyId"] = api_key_id
    context: dict[str, Any] = {
        "resourceId": resource_id, "resourcePath": resource_path, "httpMethod": http_method,
        "extendedRequestId": extended_request_id,
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(epoch_ms / 1000)),
        "path": path, "accountId": account_id, "protocol": protocol, "stage": stage,
        "domainPrefix": domain_name.split(".", 1)[0], "requestTimeEpoch": epoch_ms,
        "requestId": request_id, "identity": identity, "domainName": domain_name,
        "deploymentId": deployment_id, "apiId": api_id,
        "requestOverride": {"header": {}, "path": {}, "querystring": {}},
        "responseOverride": {"header": {}},
    }
    if authorizer is not None:
        context["authorizer"] = authorizer
    return context


# --- Java-like values --------------------------------------------------------------------------

def java_str(value: Any) -> str:
    """How Java's toString() prints a value inside a map or list."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class JavaMap(dict):
    """A java.util.Map: prints ``{k=v, k2=v2}``; a missing key reads as null (not KeyError, so
    ``$map.missing`` and ``$map["missing"]`` are silent as in Velocity)."""

    def __missing__(self, key: Any) -> None:
        return None

    def __str__(self) -> str:
        return "{" + ", ".join(f"{java_str(k)}={java_str(v)}" for k, v in self.items()) + "}"

    def toString(self) -> str:
        return str(self)

    def put(self, key: Any, value: Any) -> Any:
        previous = self.get(key)
        self[key] = value
        return previous

    def putAll(self, other: dict) -> None:
        self.update(other)

    def remove(self, key: Any) -> Any:
        return self.pop(key, None)

    def containsKey(self, key: Any) -> bool:
        return key in self

    def containsValue(self, value: Any) -> bool:
        return value in self.values()

    def values(self) -> JavaList:  # type: ignore[override]  # Java's Map.values() prints [a, b]
        return JavaList(super().values())

    def keySet(self) -> JavaList:
        return JavaList(self.keys())

    def entrySet(self) -> JavaList:
        return JavaList(JavaMap(key=k, value=v) for k, v in self.items())

    def size(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:
        return not self


class CaseInsensitiveMap(JavaMap):
    """Header maps: keys keep their case, lookups ignore it."""

    def __missing__(self, key: Any) -> Any:
        if isinstance(key, str):
            for k, v in self.items():
                if k.lower() == key.lower():
                    return v
        return None

    def get(self, key: Any, default: Any = None) -> Any:
        value = self[key]
        return default if value is None else value

    def containsKey(self, key: Any) -> bool:
        return self[key] is not None


class ContextMap(JavaMap):
    """``$context`` and its nested maps. AWS prints them as the empty string (recorded:
    ``"$context.get('identity')"`` renders ``""``)."""

    def __str__(self) -> str:
        return ""


class JavaList(list):
    """A java.util.List: prints ``[a, b]``."""

    def __str__(self) -> str:
        return "[" + ", ".join(java_str(v) for v in self) + "]"

    def toString(self) -> str:
        return str(self)

    def size(self) -> int:
        return len(self)

    def get(self, index: int) -> Any:
        return self[index]

    def contains(self, value: Any) -> bool:
        return value in self

    def isEmpty(self) -> bool:
        return not self

    def add(self, value: Any) -> bool:
        self.append(value)
        return True


class JsonList(JavaList):
    """An array from ``$input.path`` / ``$util.parseJson``: prints as compact JSON (recorded)."""

    def __str__(self) -> str:
        return _compact_json(self)


def _json_value(value: Any) -> Any:
    """A parsed JSON value as API Gateway hands it to templates: objects are Java maps, arrays
    print as JSON."""
    if isinstance(value, dict):
        return JavaMap((k, _json_value(v)) for k, v in value.items())
    if isinstance(value, list):
        return JsonList(_json_value(v) for v in value)
    return value


def _context_map(value: dict) -> ContextMap:
    return ContextMap((k, _context_map(v) if isinstance(v, dict) else v) for k, v in value.items())


def _ensure_overrides(context: ContextMap) -> None:
    """Templates may #set into the override maps even when the caller left them out."""
    request_override = context.setdefault("requestOverride", ContextMap())
    for name in ("header", "path", "querystring"):
        request_override.setdefault(name, ContextMap())
    context.setdefault("responseOverride", ContextMap()).setdefault("header", ContextMap())


def _compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# --- $input, $util -----------------------------------------------------------------------------

# A JSONPath is "indefinite" (Jayway returns a list) when it can match several nodes.
_INDEFINITE_PATH = re.compile(r"\.\.|\*|\?\(|\[[^\]]*[,:][^\]]*\]")


@lru_cache(maxsize=512)
def _jsonpath(path: str):
    return _parse_jsonpath(path)


class _Input:
    """``$input``: the payload (request body, or the integration's response body) and parameters."""

    def __init__(self, request: TemplateRequest) -> None:
        self._request = request
        self._parsed: Any = None
        self._is_parsed = False
        self._params = JavaMap(
            path=JavaMap(request.path_params or {}),
            querystring=JavaMap(request.query or {}),
            header=CaseInsensitiveMap(request.headers or {}),
        )

    @property
    def body(self) -> str:
        """The raw payload text; an empty payload is ``{}`` (recorded)."""
        return self._request.body or "{}"

    def json(self, path: str = "$") -> str:
        """The JSONPath result as compact JSON; a missing path renders as the empty string."""
        found = self._select(path)
        return "" if found is None else _compact_json(found)

    def path(self, path: str = "$") -> Any:
        """The JSONPath result as an object the template can navigate."""
        return _json_value(self._select(path))

    def params(self, name: str | None = None) -> Any:
        """All parameters, or the named one from the path, then the query string, then headers."""
        if name is None:
            return self._params
        for kind in ("path", "querystring", "header"):
            value = self._params[kind][name]
            if value is not None:
                return value
        return ""

    def _select(self, path: str) -> Any:
        document = self._document()
        try:
            expression = _jsonpath(path)
        except Exception as error:  # JsonPathParserError, or a bare Exception from jsonpath_ng's lexer
            raise MappingTemplateError(f"Invalid JSONPath {path!r}: {error}") from error
        matches = [match.value for match in expression.find(document)]
        if _INDEFINITE_PATH.search(path):
            return matches
        return matches[0] if matches else None

    def _document(self) -> Any:
        if not self._is_parsed:
            try:
                self._parsed = json.loads(self.body)
            except (ValueError, RecursionError) as error:  # RecursionError: nested too deep
                raise BodyNotJsonError(
                    f"Could not parse request body into json: Could not parse payload into json: "
                    f"{error}") from error
            self._is_parsed = True
        return self._parsed


class _Util:
    """``$util``: exactly the six functions API Gateway offers (``$util.toJson`` & co are AppSync's)."""

    @staticmethod
    def escapeJavaScript(value: Any) -> str:
        """Apache Commons ``StringEscapeUtils.escapeJavaScript``: escapes ``"`` ``'`` ``\\`` ``/``,
        control characters and every non-ASCII UTF-16 unit as ``\\uXXXX``. Note that ``\\'`` is not
        valid JSON."""
        return "".join(_escape_js_unit(unit) for unit in _utf16_units(java_str(value)))

    @staticmethod
    def parseJson(text: str) -> Any:
        try:
            return _json_value(json.loads(text))
        except (TypeError, ValueError) as error:
            raise MappingTemplateError(f"$util.parseJson: invalid JSON: {error}") from error

    @staticmethod
    def urlEncode(value: Any) -> str:
        """java.net.URLEncoder (form encoding): space -> ``+``, keeps ``*``, encodes ``~``."""
        if value is None:
            return ""
        return quote_plus(java_str(value), safe="*").replace("~", "%7E")

    @staticmethod
    def urlDecode(value: Any) -> str:
        return "" if value is None else unquote_plus(java_str(value))

    @staticmethod
    def base64Encode(value: Any) -> str:
        return base64.b64encode(java_str(value).encode("utf-8")).decode("ascii")

    @staticmethod
    def base64Decode(value: Any) -> str:
        try:
            return base64.b64decode(java_str(value), validate=True).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError) as error:
            raise MappingTemplateError(f"$util.base64Decode: {error}") from error


_JS_ESCAPES = {'"': '\\"', "'": "\\'", "\\": "\\\\", "/": "\\/",
               "\b": "\\b", "\n": "\\n", "\t": "\\t", "\f": "\\f", "\r": "\\r"}


def _utf16_units(text: str) -> list[str]:
    """Java strings are UTF-16: a character outside the BMP is two units (a surrogate pair)."""
    data = text.encode("utf-16-le", errors="surrogatepass")
    return [chr(int.from_bytes(data[i:i + 2], "little")) for i in range(0, len(data), 2)]


def _escape_js_unit(unit: str) -> str:
    if unit in _JS_ESCAPES:
        return _JS_ESCAPES[unit]
    if unit < " " or unit > "\x7f":
        return f"\\u{ord(unit):04X}"
    return unit


# --- Velocity as API Gateway runs it (small patches to airspeed) --------------------------------

class _Namespace(dict):
    """The top-level namespace of an API Gateway render; the patch below keys on its type so other
    airspeed users in the process keep airspeed's own behaviour."""


def _calculate_null_as_empty(self, namespace, loader, global_namespace=None):
    """In API Gateway a reference that resolves to null is the empty string: it prints as nothing
    and compares equal to both ``$null`` and ``""`` (recorded, conformance case
    ``input_path__empty-body``). airspeed keeps Python's None, for which ``None == ""`` is false."""
    value = _original_variable_calculate(self, namespace, loader, global_namespace)
    if value is None:
        top = namespace if global_namespace is None else global_namespace
        if isinstance(top, _airspeed_ops.LocalNamespace):
            top = top.top()
        if isinstance(top, _Namespace):
            return ""
    return value


def _velocity_true(value: Any) -> bool:
    """Velocity 1.7: only null and false are false, so 0, [] and {} are true (airspeed used Python
    truthiness). A null reference is the empty string here (see above), so "" is false too."""
    return value is not None and value is not False and value != ""


def _java_equals(left: Any, right: Any) -> bool:
    """Velocity's ==: values of unrelated types compare by toString(), so 200 == "200"."""
    if left is None or right is None or isinstance(left, type(right)) or isinstance(right, type(left)):
        return left == right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    return java_str(left) == java_str(right)


def _velocity_not(value: Any) -> bool:
    return not _velocity_true(value)


def _java_not_equals(left: Any, right: Any) -> bool:
    return not _java_equals(left, right)


def _condition(self, namespace, loader) -> bool:
    return _velocity_true(self.expression.calculate(namespace, loader))


def _java_replacement(replacement: str) -> str:
    """Java's replaceAll replacement syntax (``$1``, ``\\$``) in Python's re.sub syntax."""
    out = []
    i = 0
    while i < len(replacement):
        char = replacement[i]
        if char == "\\" and i + 1 < len(replacement):
            out.append(replacement[i + 1].replace("\\", "\\\\"))
            i += 2
            continue
        if char == "$":
            match = re.match(r"\d+|\{(\w+)\}", replacement[i + 1:])
            if match:
                out.append(f"\\g<{match.group(1) or match.group(0)}>")
                i += 1 + len(match.group(0))
                continue
        out.append("\\\\" if char == "\\" else char)
        i += 1
    return "".join(out)


def _index_of(text: str, sub: str, start: int = 0) -> int:
    return text.find(sub, start)


# Not fixable here: airspeed finds Python's own str methods first, so .split() takes a literal
# separator (Java: a regex) and .replace() is Python's (same result as Java's).


# airspeed looks Java methods on Python values up in this registry (its documented extension point).
# Java String methods templates use that airspeed lacks, or has with Python semantics.
_JAVA_STRING_METHODS = {
    "toString": lambda self: self,
    "trim": lambda self: self.strip(" \t\n\r\x0b\x0c\x00"),
    "toLowerCase": lambda self: self.lower(),
    "toUpperCase": lambda self: self.upper(),
    "endsWith": lambda self, suffix: self.endswith(suffix),
    "equals": lambda self, other: self == other,
    "equalsIgnoreCase": lambda self, other: isinstance(other, str) and self.lower() == other.lower(),
    "isEmpty": lambda self: self == "",
    "indexOf": _index_of,                         # Java: -1 when absent (airspeed raised)
    "lastIndexOf": lambda self, sub: self.rfind(sub),
    "charAt": lambda self, index: self[index],
    "concat": lambda self, other: self + other,
    "replaceAll": lambda self, pattern, repl: re.sub(pattern, _java_replacement(repl), self),
    "replaceFirst": lambda self, pattern, repl: re.sub(pattern, _java_replacement(repl), self, count=1),
}


_original_variable_calculate = _airspeed_ops.VariableExpression.calculate
_installed = False


def install() -> None:
    """Velocity as API Gateway runs it (``moto_patches`` calls this; tests rendering in-process too).

    These change airspeed for the whole process (nothing else here renders Velocity) and only
    towards Velocity's own semantics. Operators are looked up when a template is parsed, so they
    are set before any template is compiled.
    """
    global _installed
    if _installed:
        return
    replace(_airspeed_ops.VariableExpression, "calculate", _calculate_null_as_empty)
    replace(_airspeed_ops, "boolean_value", _velocity_true)  # what && || and or test
    replace(_airspeed_ops.Condition, "calculate", _condition)  # what #if / #elseif test
    for owner, operators in ((_airspeed_ops.UnaryOperatorValue, {"!": _velocity_not, "not": _velocity_not}),
                             (_airspeed_ops.BinaryOperator, {"==": _java_equals, "eq": _java_equals,
                                                             "!=": _java_not_equals, "ne": _java_not_equals})):
        if not isinstance(getattr(owner, "OPERATORS", None), dict):
            raise PatchTargetMissing(f"airspeed's {owner.__name__}.OPERATORS is gone: the VTL patches cannot apply")
        owner.OPERATORS.update(operators)
    # airspeed looks Java methods on Python values up in this registry (its documented extension point).
    if str not in getattr(_airspeed_ops, "__additional_methods__", {}):
        raise PatchTargetMissing(
            "airspeed's operators.__additional_methods__[str] is gone: the VTL patches cannot apply")
    _airspeed_ops.__additional_methods__[str].update(_JAVA_STRING_METHODS)
    _compile.cache_clear()  # templates compiled before now used airspeed's operators
    _installed = True
