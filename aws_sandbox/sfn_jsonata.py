"""JSONata and workflow variables in Step Functions, on jsonata-python.

moto 5.2.5's ASL interpreter (a port of LocalStack's) parses ``QueryLanguage``, ``Arguments``,
``Output``, ``Assign``, ``Condition`` and ``{% ... %}`` fields, but evaluates JSONata through a
JVM bridge it does not ship: its evaluator is ``None``, so every JSONata or ``Assign`` state
failed with ``States.Runtime`` ``TypeError('NoneType' object is not callable)``.

This module evaluates those expressions with jsonata-python (a pure-Python port of jsonata-java,
the implementation LocalStack's bridge runs), and does it as AWS does:

- ``$states`` (``input``, ``result``, ``errorOutput``, ``context``) and the workflow's variables
  are handed to the evaluator as bindings (moto's port pasted them into the expression text as
  JSON, re-parsed on every evaluation, and broke on a string holding a quote);
- the functions Step Functions adds to JSONata: ``$partition``, ``$range``, ``$hash``,
  ``$random`` (with an optional seed), ``$uuid``, ``$parse``; ``$eval`` is not available;
- failures are ``States.QueryEvaluationError`` with AWS's causes, naming the field
  (``Output/result``, ``Assign/x``, ``Arguments/FunctionName``): "returned nothing (undefined)",
  "returned an unsupported result type", "threw an error during evaluation. T1006: ...";
- each distinct expression is parsed once;
- a JSONPath state inside a JSONata Map or Parallel is accepted when the machine's top level is
  JSONPath (moto's parser refused it; AWS refuses JSONPath states only in a JSONata machine);
- a States error inside a Parallel branch or Map iteration (a QueryEvaluationError, most often)
  fails the state with that error, not with moto's States.Runtime "Custom Error Names MUST NOT
  begin with the prefix 'States.'".

Variable scope (branches and iterations read outer variables but cannot assign them) is moto's
``VariableStore``, which this module reads as it is.
"""
from __future__ import annotations

import copy
import functools
import hashlib
import json
import random
import threading
import uuid
from typing import Any

from .patching import replace

# The ASL field being evaluated, as AWS names it in causes ("Output/result"); one per thread,
# as each execution, Parallel branch and Map iteration is evaluated in its own thread.
_field = threading.local()


def install() -> None:
    """Plug jsonata-python into moto's interpreter (``moto_patches.install_deferred`` calls this once)."""
    _patch_expressions()
    _patch_field_names()
    _patch_assign_literals()
    _patch_branch_error_names()
    _patch_query_language_scopes()


def _patch_query_language_scopes() -> None:
    """A state may declare ``QueryLanguage: JSONPath`` inside a JSONata Map or Parallel when the
    machine's top level is JSONPath, as AWS accepts (the recorded
    ``test_validate_state_machine_definition_type_standard[VALID_QUERY_LANGUAGE_PASS]``); only a
    JSONata machine refuses JSONPath states ("for whole state machine"). moto's parser refused a
    JSONPath scope inside any JSONata one."""
    from moto.stepfunctions.parser.asl.component.common.query_language import QueryLanguage, QueryLanguageMode
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

    def open_query_language_scope(self, parse_tree) -> None:
        try:
            moto_open(self, parse_tree)
        except ValueError as error:
            # moto raises this only for a declared JSONPath inside a JSONata scope
            if not str(error).startswith("Cannot downgrade from JSONata") \
                    or self._query_language_per_scope[0].query_language_mode == QueryLanguageMode.JSONata:
                raise
            self._query_language_per_scope.append(QueryLanguage(query_language_mode=QueryLanguageMode.JSONPath))

    moto_open = replace(Preprocessor, "_open_query_language_scope", open_query_language_scope)


# ----------------------------------------------------------------------------------------
# Evaluating an expression
# ----------------------------------------------------------------------------------------
class QueryEvaluationError(Exception):
    """An expression failed: ``cause`` is AWS's text without the state prefix moto adds,
    ``field`` the field it was in (the EvaluationFailed event's ``location``)."""

    def __init__(self, cause: str, field: str):
        super().__init__(cause)
        self.cause, self.field = cause, field


@functools.lru_cache(maxsize=4096)
def _compiled(expression: str):
    import jsonata

    compiled = jsonata.Jsonata(expression)
    # Tell JSONata's undefined (None) from null (Utils.NULL_VALUE): AWS refuses the first.
    compiled.set_output_convert_nulls(False)
    return compiled


def evaluate(expression: str, bindings: dict[str, Any], field: str | None = None) -> Any:
    """Evaluate one JSONata expression as Step Functions does; raise QueryEvaluationError."""
    from jsonata import jexception
    from jsonata.utils import Utils

    field = field or current_field()
    # A variable holding null is null to JSONata only as its null value (None is undefined).
    bindings = {name: Utils.NULL_VALUE if value is None else value for name, value in bindings.items()}
    try:
        # A shallow copy per call: jsonata-python keeps the evaluation's clock ($now) on the
        # compiled object and in a thread-local "current" instance; the parsed tree is shared.
        compiled = copy.copy(_compiled(expression))
        type(compiled).CURRENT.jsonata = compiled
        result = compiled.evaluate(None, {**_FUNCTIONS, **bindings})
    except jexception.JException as error:
        raise QueryEvaluationError(
            f"The JSONata expression '{expression}' specified for the field '{field}' threw an "
            f"error during evaluation. {error.error}: {error}", field) from None
    except RecursionError:
        raise QueryEvaluationError(
            f"The JSONata expression '{expression}' specified for the field '{field}' threw an "
            "error during evaluation. U1001: Stack overflow error", field) from None
    if result is None:
        raise QueryEvaluationError(
            f"The JSONata expression '{expression}' specified for the field '{field}' returned "
            "nothing (undefined).", field)
    try:
        return _to_json(result)
    except TypeError:
        raise QueryEvaluationError(
            f"The JSONata expression '{expression}' specified for the field '{field}' returned an "
            "unsupported result type.", field) from None


def _to_json(value: Any) -> Any:
    """jsonata-python's result as plain JSON values: its sequences become lists, its null None;
    a function (or anything else JSON cannot hold) raises TypeError."""
    from jsonata.utils import Utils

    if value is Utils.NULL_VALUE or value is None:
        return None
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        # JSONata has one number type: an integral result prints as an integer on AWS.
        return int(value) if value.is_integer() and abs(value) < 2 ** 53 else value
    if isinstance(value, dict):
        return {key: _to_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_to_json(item) for item in value]
    raise TypeError(type(value).__name__)


# ----------------------------------------------------------------------------------------
# The functions Step Functions adds to JSONata
# ----------------------------------------------------------------------------------------
def _partition(array, size):
    if not isinstance(array, list):
        array = [array]
    size = int(size)
    if size <= 0:
        raise _function_error("The chunk size must be a positive integer")
    return [list(array[start:start + size]) for start in range(0, len(array), size)]


def _range(start, end, step):
    start, end, step = int(start), int(end), int(step)
    if step == 0:
        raise _function_error("The step must not be zero")
    from jsonata.utils import Utils

    values = range(start, end + (1 if step > 0 else -1), step)
    if len(values) > 1000:  # AWS: at most 1,000 items, as States.ArrayRange
        raise _function_error("The resulting array cannot contain more than 1000 items")
    # A JSONata sequence, as AWS returns it: a range of one item is that item (recorded on AWS).
    return Utils.create_sequence_from_iter(values)


_HASH_ALGORITHMS = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384",
                    "SHA-512": "sha512"}


def _hash(data, algorithm):
    name = _HASH_ALGORITHMS.get(algorithm)
    if name is None:
        raise _function_error(f"The hashing algorithm must be one of {', '.join(_HASH_ALGORITHMS)}")
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return hashlib.new(name, text.encode("utf-8")).hexdigest()


def _random(seed=None):
    # AWS: seeded calls repeat their value; the sequence itself is not AWS's (see README).
    return random.Random(seed).random() if seed is not None else random.random()


def _uuid():
    return str(uuid.uuid4())


def _parse(text):
    try:
        return json.loads(text)
    except (TypeError, ValueError) as error:
        raise _function_error(f"The string could not be parsed as JSON: {error}") from None


def _function_error(message: str) -> Exception:
    """An error raised inside one of these functions, reported as ``$error()`` reports one
    (``D3137: <message>``). No AWS recording shows these; the wording is the sandbox's."""
    from jsonata import jexception

    return jexception.JException("D3137", -1, message)


def _functions() -> dict[str, Any]:
    from jsonata.jsonata import Jsonata

    function = Jsonata.JLambda
    return {
        "partition": function(_partition), "range": function(_range), "hash": function(_hash),
        "random": function(_random), "uuid": function(_uuid), "parse": function(_parse),
        # Step Functions removes $eval (use $parse): calling it fails as an unknown function.
        "eval": None,
    }


_FUNCTIONS: dict[str, Any] = {}


# ----------------------------------------------------------------------------------------
# Hooking into moto's interpreter
# ----------------------------------------------------------------------------------------
def current_field() -> str:
    path = getattr(_field, "path", None)
    return "/".join(path) if path else ""


def _patch_expressions() -> None:
    from moto.stepfunctions.parser.api import EvaluationFailedEventDetails, HistoryEventType
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
        StatesErrorName,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.common.query_language import QueryLanguageMode
    from moto.stepfunctions.parser.asl.component.common.string import string_expression
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    _FUNCTIONS.update(_functions())

    def fail(env, error: QueryEvaluationError):
        error_name = StatesErrorName(typ=StatesErrorNameType.StatesQueryEvaluationError)
        details = EvaluationFailedEventDetails(error=error_name.error_name, cause=error.cause)
        if error.field:
            details["location"] = error.field
        event = FailureEventException(failure_event=FailureEvent(
            env=env, error_name=error_name, event_type=HistoryEventType.EvaluationFailed,
            event_details=EventDetails(evaluationFailedEventDetails=details)))
        env.event_manager.add_event(
            context=env.event_history_context, event_type=HistoryEventType.EvaluationFailed,
            event_details=EventDetails(
                evaluationFailedEventDetails=event.get_evaluation_failed_event_details()))
        return event

    def variables(env) -> dict[str, Any]:
        store = env.variable_store
        return {**store._outer_scope, **store._inner_scope}

    def states(env) -> dict[str, Any]:
        # $states.result and $states.errorOutput exist only where AWS sets them (moto keeps
        # them as None): a Catch's Output of "{% $states %}" has no "result".
        return {key: value for key, value in env.states._states_data.items()
                if value is not None or key not in ("result", "errorOutput")}

    def jsonata_body(self, env) -> None:
        bindings = variables(env)
        bindings["states"] = states(env)
        try:
            env.stack.append(evaluate(self.expression, bindings))
        except QueryEvaluationError as error:
            raise fail(env, error) from None

    def variable_sample_body(self, env) -> None:
        # "$var.field" in a JSONPath field: variables only; $states belongs to JSONata states.
        bindings = variables(env)
        if self.query_language_mode == QueryLanguageMode.JSONata:
            bindings["states"] = states(env)
        try:
            env.stack.append(evaluate(self.expression, bindings))
        except QueryEvaluationError as error:
            raise fail(env, error) from None

    replace(string_expression.StringJSONata, "_eval_body", jsonata_body)
    replace(string_expression.StringVariableSample, "_eval_body", variable_sample_body)


# Components that open a field of the cause's path, and how each names its part.
def _field_components() -> list[tuple[type, Any]]:
    from moto.stepfunctions.parser.asl.component.common import outputdecl, parargs
    from moto.stepfunctions.parser.asl.component.common.assign import assign_decl, assign_template_binding
    from moto.stepfunctions.parser.asl.component.common.jsonata import jsonata_template_binding
    from moto.stepfunctions.parser.asl.component.common.timeouts import heartbeat, timeout
    from moto.stepfunctions.parser.asl.component.state.choice.comparison import comparison
    from moto.stepfunctions.parser.asl.component.state.exec.state_map import (
        max_concurrency,
        tolerated_failure,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.items import items
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function import seconds

    named = lambda name: (lambda component: name)  # noqa: E731
    return [
        (outputdecl.Output, named("Output")),
        (parargs.ArgumentsJSONataTemplateValueObject, named("Arguments")),
        (parargs.ArgumentsStringJSONata, named("Arguments")),
        (assign_decl.AssignDecl, named("Assign")),
        (assign_template_binding.AssignTemplateBinding, lambda component: component.identifier),
        (jsonata_template_binding.JSONataTemplateBinding, lambda component: component.identifier),
        (items.ItemsJSONata, named("Items")),
        (comparison.ConditionStringJSONata, named("Condition")),
        (timeout.TimeoutSecondsJSONata, named("TimeoutSeconds")),
        (heartbeat.HeartbeatSecondsJSONata, named("HeartbeatSeconds")),
        (max_concurrency.MaxConcurrencyJSONata, named("MaxConcurrency")),
        (tolerated_failure.ToleratedFailureCountStringJSONata, named("ToleratedFailureCount")),
        (tolerated_failure.ToleratedFailurePercentageStringJSONata, named("ToleratedFailurePercentage")),
        (seconds.SecondsJSONata, named("Seconds")),
    ]


def _patch_field_names() -> None:
    for component_class, name_of in _field_components():
        replace(component_class, "eval", _with_field(component_class.eval, name_of))


def _with_field(moto_eval, name_of):
    def eval_in_field(self, env) -> None:
        path = getattr(_field, "path", None)
        if path is None:
            path = _field.path = []
        path.append(name_of(self))
        try:
            moto_eval(self, env)
        finally:
            path.pop()

    return eval_in_field


def _patch_assign_literals() -> None:
    """moto keeps an Assign string literal's JSON escapes (``"{\\"a\\":1}"`` stayed
    ``{\\"a\\":1}``); every other literal is unescaped, as JSON says."""
    from moto.stepfunctions.parser.asl.antlt4utils.antlr4utils import from_string_literal
    from moto.stepfunctions.parser.asl.component.common.assign.assign_template_value_terminal import (
        AssignTemplateValueTerminalLit,
    )
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

    def string_literal(self, ctx) -> AssignTemplateValueTerminalLit:
        return AssignTemplateValueTerminalLit(value=from_string_literal(ctx.string_literal()))

    replace(Preprocessor, "visitAssign_template_value_terminal_string_literal", string_literal)


def error_name_of(name: str):
    """moto's error name for ``name``: a States error (``States.QueryEvaluationError``) or a
    custom one. moto's ``CustomErrorName`` refuses the ``States.`` prefix with a ValueError."""
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName

    if isinstance(name, str) and name.startswith("States."):
        try:
            return StatesErrorName.from_name(name)
        except ValueError:
            pass
    return CustomErrorName(name)


def _patch_branch_error_names() -> None:
    """A Parallel branch or Map iteration that failed with a States error (a JSONata
    ``States.QueryEvaluationError``, ``States.TaskFailed``, ``States.Timeout``...) made its state
    fail with ``States.Runtime`` "Custom Error Names MUST NOT begin with the prefix 'States.'":
    moto re-raised the branch's error through ``CustomErrorName``. AWS fails the state with the
    branch's own error, which its Retry and Catch can then match."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import iteration_worker
    from moto.stepfunctions.parser.asl.component.state.exec.state_parallel import branches_decl

    def custom_error_name(error_name: str):  # moto passes it by keyword
        return error_name_of(error_name)

    for module in (iteration_worker, branches_decl):
        replace(module, "CustomErrorName", custom_error_name)
