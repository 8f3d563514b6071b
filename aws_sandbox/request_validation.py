"""Malformed AWS requests get AWS's 4xx answers, checked against botocore's service models
before moto sees them.

moto trusts its input: bad JSON, a missing required member, a value of the wrong type or an
unknown ``X-Amz-Target`` made it raise, and the client got a 500. AWS's front ends check every
request against the service's model first (required members, types, lengths, ranges, patterns,
enums) and answer 400 with the protocol's error. The same models ship with botocore, so this
module reads them rather than patching moto answer by answer:

- JSON services (DynamoDB, Step Functions, CloudWatch Logs, EventBridge, SQS, CloudWatch in its
  JSON form): unknown target → ``UnknownOperationException``; a body that is not a JSON object,
  or a member of the wrong JSON type → ``SerializationException``; constraints →
  ``ValidationException`` (``1 validation error detected: Value ... at 'path' failed to satisfy
  constraint: ...``, AWS's wording, at most 10 errors).
- REST-JSON services (Lambda, API Gateway): the operation is found from the method and path in
  the model; body, URI, query and header members are checked the same way.
- Query services (IAM, STS, SNS, CloudWatch): unknown ``Action``, missing required parameters,
  string constraints.
- A request naming no service (no SigV4 ``Authorization``, no target): 403
  ``MissingAuthenticationTokenException`` (moto would have guessed S3 and listed buckets).
- DynamoDB also gets the checks that need the table (``dynamodb_semantics``): every
  AttributeValue holds exactly one type, and a Key matches the table's key schema. Step
  Functions' start input is checked by ``stepfunctions.limits`` (JSON, 256 KiB of UTF-8).

Unknown members are ignored, as AWS's JSON services ignore them.
"""
from __future__ import annotations

import base64
import functools
import io
import json
import re
from typing import Any
from urllib.parse import parse_qsl, unquote

from werkzeug.datastructures import EnvironHeaders
from werkzeug.wrappers import Response

from .request_errors import Invalid

CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/]+/(?P<service>[^/]+)/")
# botocore's service names, by SigV4 signing name.
SERVICES = {"dynamodb": "dynamodb", "states": "stepfunctions", "lambda": "lambda", "iam": "iam",
            "apigateway": "apigateway", "logs": "logs", "monitoring": "cloudwatch", "sns": "sns",
            "sqs": "sqs", "events": "events", "sts": "sts", "tagging": "resourcegroupstaggingapi"}
MAX_ERRORS = 10  # AWS lists at most this many validation errors
# The error codes each service answers with (the protocol's defaults otherwise).
VALIDATION_CODE = {"lambda": "ValidationException", "apigateway": "ValidationException",
                   "logs": "InvalidParameterException", "iam": "ValidationError", "sts": "ValidationError",
                   "sns": "InvalidParameter", "cloudwatch": "InvalidParameterValue"}
SERIALIZATION_CODE = {"lambda": "InvalidRequestContentException", "apigateway": "BadRequestException"}
MISSING_CODE = {"cloudwatch": "MissingParameter"}
# API Gateway lists an enum's values in its own order, not its model's (AWS-recorded in LocalStack's
# validated test_apigateway_api snapshots), by shape name.
ENUM_ORDER = {("apigateway", "IntegrationType"): ["HTTP", "MOCK", "AWS_PROXY", "HTTP_PROXY", "AWS"],
              ("apigateway", "EndpointType"): ["PRIVATE", "EDGE", "REGIONAL"],
              ("apigateway", "Op"): ["add", "remove", "move", "test", "replace", "copy"],
              ("apigateway", "GatewayResponseType"): [
                  "REQUEST_TOO_LARGE", "RESOURCE_NOT_FOUND", "AUTHORIZER_CONFIGURATION_ERROR",
                  "MISSING_AUTHENTICATION_TOKEN", "BAD_REQUEST_BODY", "INVALID_SIGNATURE", "INVALID_API_KEY",
                  "BAD_REQUEST_PARAMETERS", "AUTHORIZER_FAILURE", "UNAUTHORIZED", "INTEGRATION_TIMEOUT",
                  "ACCESS_DENIED", "DEFAULT_4XX", "DEFAULT_5XX", "WAF_FILTERED", "QUOTA_EXCEEDED", "THROTTLED",
                  "API_CONFIGURATION_ERROR", "UNSUPPORTED_MEDIA_TYPE", "INTEGRATION_FAILURE", "EXPIRED_TOKEN"]}
# Services that name a body member from the operation's input (`createRestApiInput.name`; URI members
# stay bare: `responseType`) and report a list of strings whole (`Value '[wrong]' at '…types' failed to
# satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: […]]`).
INPUT_NAMED = frozenset({"apigateway"})
# Members whose constraints the service checks itself, answering with its own error type (which
# the sandbox's service code reproduces): Step Functions names → InvalidName, not ValidationException.
SERVICE_CHECKED = frozenset({("stepfunctions", "name")})


# -- the models ----------------------------------------------------------------------------
@functools.cache
def service_model(name: str):
    return _session().get_service_model(name)


@functools.lru_cache(maxsize=1)
def _session():
    import botocore.session

    return botocore.session.get_session()


@functools.cache
def json_service_by_target_prefix() -> dict[str, str]:
    prefixes = {}
    for name in SERVICES.values():
        prefix = service_model(name).metadata.get("targetPrefix")
        if prefix:
            prefixes[prefix] = name
    return prefixes


@functools.cache
def rest_routes(name: str) -> list[tuple[str, re.Pattern, dict[str, str], str]]:
    """(method, path regex, literal query parameters, operation) of a REST service, most specific first."""
    model = service_model(name)
    routes = []
    for operation in model.operation_names:
        http = model.operation_model(operation).http
        path, _, query = http["requestUri"].partition("?")
        pattern = re.sub(r"\\\{([^}+]+)\\\+\\\}", r"(?P<\1>.+)", re.escape(path.rstrip("/")))
        pattern = re.sub(r"\\\{([^}]+)\\\}", r"(?P<\1>[^/]+)", pattern)
        literals = dict(parse_qsl(query, keep_blank_values=True))
        routes.append((http["method"], re.compile(f"^{pattern}/?$"), literals, operation))
    routes.sort(key=lambda route: -len(route[2]))  # ?mode=import before the plain form
    return routes


@functools.cache
def compiled_pattern(pattern: str) -> re.Pattern | None:
    try:
        return re.compile(pattern)
    except re.error:  # a Java-only construct: not checked here
        return None


# -- shapes: JSON types, then constraints ----------------------------------------------------
def lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def jackson_token(value: Any) -> str:
    if isinstance(value, bool):
        return "class java.lang.Boolean"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not value.is_integer():
            return "class java.lang.Double"
        return "class java.lang.Integer" if -2**31 <= value < 2**31 else "class java.lang.Long"
    return "class java.lang.String"


def check_types(shape, value: Any) -> None:
    """Raise ``Invalid(SerializationException)`` where ``value`` is not of the shape's JSON type
    (AWS's Jackson wording, as DynamoDB answers)."""
    kind = shape.type_name
    if value is None:
        return
    if kind == "structure":
        if isinstance(value, list):
            raise Invalid("SerializationException", "Start of list found where not expected")
        if not isinstance(value, dict):
            raise Invalid("SerializationException", "Expected null")
        for name, member in shape.members.items():
            if member.serialization.get("location") is None and name in value:
                check_types(member, value[name])
    elif kind == "list":
        if not isinstance(value, list):
            raise Invalid("SerializationException", "Start of structure or map found where not expected."
                          if isinstance(value, dict) else "Expected list or null")
        for item in value:
            check_types(shape.member, item)
    elif kind == "map":
        if not isinstance(value, dict):
            raise Invalid("SerializationException", "Start of list found where not expected"
                          if isinstance(value, list) else "Expected map or null")
        for item in value.values():
            check_types(shape.value, item)
    elif kind in ("string", "blob", "timestamp", "boolean", "integer", "long", "double", "float"):
        _check_scalar(kind, value)


def _check_scalar(kind: str, value: Any) -> None:
    if isinstance(value, dict):
        raise Invalid("SerializationException", "Start of structure or map found where not expected.")
    if isinstance(value, list):
        raise Invalid("SerializationException", "Start of list found where not expected")
    if kind == "string" and not isinstance(value, str):
        raise Invalid("SerializationException", f"{jackson_token(value)} can not be converted to an String")
    if kind == "blob":
        if not isinstance(value, str):
            raise Invalid("SerializationException", f"{jackson_token(value)} can not be converted to a Blob")
        try:
            base64.b64decode(value, validate=True)
        except ValueError:
            raise Invalid("SerializationException", f"'{value[:64]}' can not be converted to a Blob: "
                          "it is not valid Base64") from None
    if kind == "boolean" and not isinstance(value, bool):
        raise Invalid("SerializationException", f"{jackson_token(value)} can not be converted to an Boolean")
    if kind in ("integer", "long", "double", "float") and (isinstance(value, (bool, str))):
        java = {"integer": "Integer", "long": "Long", "double": "Double", "float": "Float"}[kind]
        raise Invalid("SerializationException", f"{jackson_token(value)} can not be converted to an {java}")
    if kind == "timestamp" and (isinstance(value, bool) or not isinstance(value, (int, float, str))):
        raise Invalid("SerializationException", f"{jackson_token(value)} can not be converted to a Timestamp")


def check_constraints(shape, value: Any, path: str, errors: list[str], *, body_only: bool = True,
                      service: str = "") -> None:
    """Append AWS's validation messages for ``value`` (already type-checked) to ``errors``."""
    if len(errors) >= MAX_ERRORS or value is None:
        return
    kind = shape.type_name
    if kind == "structure":
        for name, member in shape.members.items():
            if body_only and member.serialization.get("location") is not None:
                continue
            if (service, name) in SERVICE_CHECKED:
                continue
            child = f"{path}.{lower_first(name)}" if path else lower_first(name)
            if value.get(name) is None:
                if name in shape.required_members:
                    errors.append(f"Value{shown(None, member)} at '{child}' failed to satisfy constraint: "
                                  "Member must not be null")
                continue
            check_constraints(member, value[name], child, errors, service=service)
        return
    errors.extend(f"Value{shown(value, shape)} at '{path}' failed to satisfy constraint: {reason}"
                  for reason in reasons(shape, value, service))
    if kind == "list" and service in INPUT_NAMED and shape.member.type_name == "string":
        broken = sorted({reason for item in value for reason in reasons(shape.member, item, service)})
        errors.extend(f"Value{shown(value, shape)} at '{path}' failed to satisfy constraint: Member must satisfy "
                      f"constraint: [{reason}]" for reason in broken)
    elif kind == "list":
        for index, item in enumerate(value, start=1):
            check_constraints(shape.member, item, f"{path}.{index}.member", errors, service=service)
    elif kind == "map":
        for key, item in value.items():
            errors.extend(f"Value{shown(value, shape)} at '{path}' failed to satisfy constraint: Map keys must "
                          f"satisfy constraint: [{reason}]" for reason in reasons(shape.key, key))
            if shape.value.type_name in ("structure", "list", "map"):
                check_constraints(shape.value, item, f"{path}.{key}.member", errors, service=service)
            else:
                errors.extend(f"Value{shown(value, shape)} at '{path}' failed to satisfy constraint: Map value "
                              f"must satisfy constraint: [{reason}]" for reason in reasons(shape.value, item))


def reasons(shape, value: Any, service: str = "") -> list[str]:
    """The constraints of the shape itself (lengths, enum, pattern, range) that ``value`` breaks."""
    kind, meta, found = shape.type_name, shape.metadata, []
    if kind in ("list", "map", "string", "blob"):
        if "min" in meta and len(value) < meta["min"]:
            found.append(f"Member must have length greater than or equal to {meta['min']}")
        if "max" in meta and len(value) > meta["max"]:
            found.append(f"Member must have length less than or equal to {meta['max']}")
    if kind == "string":
        if "enum" in meta and value not in meta["enum"]:
            listed = ENUM_ORDER.get((service, shape.name), meta["enum"])
            found.append(f"Member must satisfy enum value set: [{', '.join(listed)}]")
        pattern = compiled_pattern(meta["pattern"]) if "pattern" in meta else None
        if pattern is not None and not pattern.fullmatch(value):
            found.append(f"Member must satisfy regular expression pattern: {meta['pattern']}")
    if kind in ("integer", "long", "double", "float"):
        if "min" in meta and value < meta["min"]:
            found.append(f"Member must have value greater than or equal to {meta['min']}")
        if "max" in meta and value > meta["max"]:
            found.append(f"Member must have value less than or equal to {meta['max']}")
    return found


def shown(value: Any, shape) -> str:
    """`` 'value'`` as AWS prints it in a validation message; nothing for a sensitive member."""
    if shape is not None and shape.metadata.get("sensitive"):
        return ""
    if value is None:
        return " null"
    if isinstance(value, str):  # whole, however long (AWS-recorded: 257- to 3,097-character values)
        return f" '{value}'"
    if isinstance(value, list):
        return f" '[{', '.join(map(str, value[:10]))}]'"
    return " '{...}'" if isinstance(value, dict) else f" '{value}'"


def validation_failure(service: str, errors: list[str]) -> Invalid:
    count = len(errors)
    message = f"{count} validation error{'s' if count > 1 else ''} detected: {'; '.join(errors)}"
    only_missing = all(error.endswith("Member must not be null") for error in errors)
    code = (MISSING_CODE.get(service) if only_missing else None) or VALIDATION_CODE.get(service,
                                                                                    "ValidationException")
    return Invalid(code, message)


def parse_json_body(body: bytes) -> Any:
    """The body as JSON; bad JSON (or JSON nested too deep to parse) is a SerializationException."""
    try:
        return json.loads(body, parse_constant=_refuse_constant)
    except RecursionError:
        raise Invalid("SerializationException", "The request body is nested too deeply to be parsed as JSON") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise Invalid("SerializationException", f"Could not parse the request body as JSON: {error}") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# -- the protocols -----------------------------------------------------------------------------
def check_json(service: str, operation: str, body: bytes, environ: dict[str, Any]) -> None:
    model = service_model(service)
    if operation not in model.operation_names:
        raise Invalid("UnknownOperationException", f"The operation {operation!r} does not exist in {service}")
    if not body.strip():
        raise Invalid("SerializationException", "The request body is empty: a JSON object was expected")
    document = parse_json_body(body)
    shape = model.operation_model(operation).input_shape
    if shape is None:
        return
    check_types(shape, document)
    errors: list[str] = []
    check_constraints(shape, document, "", errors, service=service)
    if errors:
        raise validation_failure(service, errors[:MAX_ERRORS])
    if service == "dynamodb":
        from . import dynamodb_semantics

        dynamodb_semantics.check(operation, document, environ)
    elif service == "stepfunctions":
        from .stepfunctions import limits

        limits.check_start_input(operation, document)


def check_rest(service: str, method: str, path: str, query: dict[str, str], headers, body: bytes) -> None:
    operation = find_rest_operation(service, method, path, query)
    if operation is None:
        return  # not in the model: moto answers as it does
    name, labels = operation
    shape = service_model(service).operation_model(name).input_shape
    if shape is None:
        return
    payload = shape.serialization.get("payload")
    document: dict[str, Any] = {}
    has_body_members = any(m.serialization.get("location") is None for n, m in shape.members.items()
                           if n != payload)
    if payload is None and has_body_members and body.strip():
        try:
            document = parse_json_body(body)
        except Invalid as error:  # Lambda's and API Gateway's wording
            raise Invalid(SERIALIZATION_CODE.get(service, error.code),
                          "Could not parse request body into json: " + error.message) from None
        try:
            check_types(shape, document)
        except Invalid as error:
            raise Invalid(SERIALIZATION_CODE.get(service, error.code), error.message) from None
    errors: list[str] = []
    root = f"{lower_first(name)}Input" if service in INPUT_NAMED else ""
    check_constraints(shape, document, root, errors, service=service)
    for member_name, member in shape.members.items():
        location = member.serialization.get("location")
        wire = member.serialization.get("name", member_name)
        value = {"uri": labels.get(wire), "querystring": query.get(wire),
                 "header": headers.get(wire)}.get(location) if location else None
        if location is None:
            continue
        if value is None:
            if member_name in shape.required_members:
                errors.append(f"Value{shown(None, member)} at '{lower_first(member_name)}' failed to satisfy "
                              "constraint: Member must not be null")
            continue
        if member.type_name == "string":
            check_constraints(member, value, lower_first(member_name), errors, service=service)
    if errors:
        raise validation_failure(service, errors[:MAX_ERRORS])


def find_rest_operation(service: str, method: str, path: str, query: dict[str, str]):
    for route_method, pattern, literals, operation in rest_routes(service):
        if route_method != method:
            continue
        match = pattern.match(path)
        if match and all(query.get(k) == v for k, v in literals.items()):
            return operation, {k: unquote(v) for k, v in match.groupdict().items()}
    return None


def check_query(service: str, params: dict[str, str]) -> None:
    model = service_model(service)
    action = params.get("Action")
    if not action:
        raise Invalid("MissingAction", "The request must contain the parameter Action")
    if action not in model.operation_names:
        raise Invalid("InvalidAction", f"Could not find operation {action} for version {model.api_version}")
    shape = model.operation_model(action).input_shape
    if shape is None:
        return
    errors: list[str] = []
    for name, member in shape.members.items():
        wire = member.serialization.get("name", name)
        present = wire in params or any(key.startswith(wire + ".") for key in params)
        if not present:
            if name in shape.required_members:
                errors.append(f"Value{shown(None, member)} at '{lower_first(name)}' failed to satisfy "
                              "constraint: Member must not be null")
            continue
        if member.type_name == "string" and wire in params:
            check_constraints(member, params[wire], lower_first(name), errors, service=service)
    if errors:
        raise validation_failure(service, errors[:MAX_ERRORS])


# -- the WSGI entry point ----------------------------------------------------------------------
MISSING_TOKEN = ("Missing Authentication Token: the sandbox answers AWS API requests signed with SigV4 (any "
                 "credentials; the service is read from the signature). Use an AWS SDK or the CLI with "
                 "--endpoint-url; the sandbox's own routes are under /_sandbox/.")


def check(environ: dict[str, Any]) -> Response | None:
    """An error response for a request AWS would refuse, else None (the body stays readable)."""
    headers = EnvironHeaders(environ)  # case-insensitive, read from environ when asked
    content_type = environ.get("CONTENT_TYPE", "")
    query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
    authorization = headers.get("authorization", "")
    if not authorization and "X-Amz-Credential" in query:  # a presigned URL
        authorization = "Credential=" + query["X-Amz-Credential"]
    scope = CREDENTIAL_SCOPE.search(authorization)
    target = headers.get("x-amz-target")
    if scope is None and target is None:
        return error_response("json", Invalid("MissingAuthenticationTokenException", MISSING_TOKEN, status=403))
    service = SERVICES.get(scope["service"]) if scope else None
    protocol = service_model(service).protocol if service else "json"
    body = read_body(environ)
    try:
        if target is not None:
            prefix, _, operation = target.partition(".")
            by_prefix = json_service_by_target_prefix().get(prefix)
            if by_prefix is None:
                if protocol in ("json", "smithy-rpc-v2-cbor"):
                    raise Invalid("UnknownOperationException", f"Unknown X-Amz-Target {target!r}")
                return None  # a service of another protocol: not ours to judge
            protocol = "json"
            check_json(by_prefix, operation, body, environ)
        elif service is None:
            return None
        elif protocol == "rest-json":
            check_rest(service, environ.get("REQUEST_METHOD", "GET"), unquote(environ.get("PATH_INFO", "")),
                       query, headers, body)
        elif "query" in (service_model(service).metadata.get("protocols") or [protocol]):
            path = environ.get("PATH_INFO", "")
            if path.startswith("/service/"):  # CloudWatch's CBOR form names the operation in the path
                operation = path.rstrip("/").rsplit("/", 1)[-1]
                if operation not in service_model(service).operation_names:
                    raise Invalid("UnknownOperationException", f"The operation {operation!r} does not exist")
            elif environ.get("REQUEST_METHOD") == "GET" or "x-www-form-urlencoded" in content_type:
                protocol = "query"
                params = dict(query)
                params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
                check_query(service, params)
    except Invalid as error:
        return error_response(protocol, error, service)
    except RecursionError:  # parsed, but nested deeper than the checks (or moto) can walk
        return error_response(protocol, Invalid("SerializationException", "The request is nested too deeply"), service)
    return None


def read_body(environ: dict[str, Any]) -> bytes:
    """The request body, put back so that moto (or a later handler) can read it again."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    body = stream.read(length) if stream is not None and length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body


def error_response(protocol: str, error: Invalid, service: str | None = None) -> Response:
    headers = {"x-amzn-ErrorType": error.code}
    if protocol == "query":
        namespace = service_model(service).metadata.get("xmlNamespace", "") if service else ""
        body = (f'<ErrorResponse xmlns="{namespace}"><Error><Type>Sender</Type><Code>{error.code}</Code>'
                f"<Message>{_xml_escape(error.message)}</Message></Error><RequestId>00000000-0000-0000-0000-"
                "000000000000</RequestId></ErrorResponse>")
        return Response(body, status=error.status, headers=headers, mimetype="text/xml")
    if protocol == "rest-json" and error.code != "MissingAuthenticationTokenException":
        payload: dict[str, Any] = {"message": error.message}
        if service == "lambda":
            payload = {"Type": "User", "message": error.message}
        return Response(json.dumps(payload), status=error.status, headers=headers, mimetype="application/json")
    namespace = "com.amazon.coral.validate" if error.code == "ValidationException" else "com.amazon.coral.service"
    body = json.dumps({"__type": f"{namespace}#{error.code}", "message": error.message})
    return Response(body, status=error.status, headers=headers, content_type="application/x-amz-json-1.0")


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


