"""Step Functions' TestState API: run one state, with mocked service results and inspection data.

moto 5.2.5 ships the interpreter pieces of LocalStack's early TestState (a state parsed on its
own, inspection data for the JSONPath steps) but no TestState operation. This module answers
``AWSStepFunctions.TestState`` as the API reference documents it:

- ``definition``: one state, or a whole state machine and ``stateName``;
- ``input``, ``variables`` (the variables the state sees), ``roleArn``;
- ``context``: checked as AWS checks it, then the state's whole context object (``$$``,
  ``$states.context``) in place of the one TestState makes up;
- ``inspectionLevel`` INFO (status, output or error, nextState), DEBUG and TRACE (also
  ``inspectionData``: the data after each processing step, the variables after ``Assign``,
  ``errorDetails`` with the Catch or Retry that matched);
- ``mock``: ``result`` (the service's answer, checked against the API's response shape as
  ``fieldValidationMode`` says: STRICT, PRESENT or NONE) or ``errorOutput`` (the service fails);
- ``stateConfiguration.retrierRetryCount``: the attempt the state is on.

A Task is not retried and a Wait does not wait: status RETRIABLE (with the backoff the Retrier
would wait) or CAUGHT_ERROR (with the Catch's ``nextState``) says what the workflow would do.
A Parallel or Map state needs a mock, as on AWS (the branches' or iterations' results, which are
then not run), and so does an Activity Task or a ``.sync`` or ``.waitForTaskToken`` one.
``stateConfiguration.mapIterationFailureCount`` needs a mock, at most as many failures as the mocked
result has items, and is checked against the Map's tolerated failures;
``mapItemReaderData`` and ``errorCausedByState`` are accepted and not used.
"""
from __future__ import annotations

import copy
import datetime
import json
import uuid
from typing import Any

from werkzeug.wrappers import Request, Response

from . import awsapi
from .patching import replace

TARGET = "AWSStepFunctions.TestState"
INSPECTION_LEVELS = ("INFO", "DEBUG", "TRACE")
FIELD_VALIDATION_MODES = ("STRICT", "PRESENT", "NONE")
SUPPORTED_TYPES = ("Task", "Wait", "Pass", "Succeed", "Fail", "Choice")
# The state's name in $$.State.Name / $states.context: AWS's TestState calls every state this.
STATE_NAME = "StateName"
_NOT_JSON_TEXT = {"errorDetails", "maxConcurrency", "toleratedFailureCount", "toleratedFailurePercentage"}


class TestStateError(Exception):
    """A request AWS refuses: ``code`` is the error type, the message says why."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def handle_request(request: Request) -> Response | None:
    """Answer TestState requests; None lets the next handler (or moto) answer."""
    if request.headers.get("X-Amz-Target") != TARGET:
        return None
    account, region = awsapi.caller_account_and_region(request)
    try:
        body = json.loads(request.get_data() or b"{}")
        if not isinstance(body, dict):
            raise ValueError
    except ValueError:
        return _error("SerializationException", "Start of structure or map found where not expected")
    try:
        answer = test_state(body, account=account, region=region)
    except TestStateError as error:
        return _error(error.code, str(error))
    return Response(json.dumps(answer), status=200, content_type="application/x-amz-json-1.0",
                    headers={"x-amzn-RequestId": str(uuid.uuid4())})


def _error(code: str, message: str) -> Response:
    return Response(json.dumps({"__type": code, "message": message}), status=400,
                    content_type="application/x-amz-json-1.0",
                    headers={"x-amzn-RequestId": str(uuid.uuid4()), "x-amzn-ErrorType": code})


# ----------------------------------------------------------------------------------------
# The request
# ----------------------------------------------------------------------------------------
def _json_field(body: dict, field: str, default: Any) -> Any:
    text = body.get(field)
    if text is None:
        return default
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        raise TestStateError("InvalidExecutionInput" if field == "input" else "ValidationException",
                             f"Invalid {field}: the value is not valid JSON") from None


def _the_state(body: dict) -> dict:
    """The state to run, from ``definition`` (and ``stateName`` when it is a whole machine);
    a state without QueryLanguage takes the machine's."""
    definition = _json_field(body, "definition", None)
    if not isinstance(definition, dict):
        raise TestStateError("InvalidDefinition",
                             "Invalid State Machine Definition: 'definition' must be a JSON object")
    state_name = body.get("stateName")
    query_language = "JSONPath"
    if "States" in definition:
        if not state_name:
            raise TestStateError("ValidationException",
                                 "stateName is required when the definition is a state machine")
        query_language = definition.get("QueryLanguage", query_language)
        found = _find_state(definition, state_name, query_language)
        if found is None:
            raise TestStateError("ValidationException", "State not found in definition")
        state, query_language = found
    else:
        state = definition
    # AWS checks a lone state as the state called StateName of a one-state machine.
    where = f"/States/{state_name if 'States' in definition else STATE_NAME}"
    if not isinstance(state, dict) or state.get("Type") not in (*SUPPORTED_TYPES, "Map", "Parallel"):
        raise TestStateError(
            "InvalidDefinition", "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The field "
            "'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map] "
            f"at {where}/Type'")
    if state["Type"] == "Parallel" and not state.get("Branches"):
        raise TestStateError("InvalidDefinition", "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: "
                             f"Value cannot be empty at {where}/Branches'")
    state = {**state}
    state.setdefault("QueryLanguage", query_language)
    return state


def _find_state(machine: dict, name: str, query_language: str) -> tuple[dict, str] | None:
    """The state called ``name`` in ``machine`` or in any Parallel branch or Map item processor
    inside it (AWS finds those too), and the query language it inherits."""
    states = machine.get("States")
    if not isinstance(states, dict):
        return None
    if isinstance(states.get(name), dict):
        return states[name], query_language
    for state in states.values():
        if not isinstance(state, dict):
            continue
        inherited = state.get("QueryLanguage", query_language)
        inner = [state.get("ItemProcessor"), state.get("Iterator"), *(state.get("Branches") or [])]
        for machine_inside in filter(lambda value: isinstance(value, dict), inner):
            found = _find_state(machine_inside, name, inherited)
            if found is not None:
                return found
    return None


def test_state(body: dict, *, account: str, region: str) -> dict[str, Any]:
    """Run the request's state once and answer as TestState does."""
    level = body.get("inspectionLevel") or "INFO"
    if level not in INSPECTION_LEVELS:
        raise TestStateError("ValidationException", f"1 validation error detected: Value '{level}' at "
                             "'inspectionLevel' failed to satisfy constraint: Member must satisfy enum "
                             f"value set: [{', '.join(INSPECTION_LEVELS)}]")
    state = _the_state(body)
    _check_state_configuration(body)
    if state["Type"] in ("Map", "Parallel") and not body.get("mock"):
        raise TestStateError(
            "InvalidDefinition", "TestState API does not support Map or Parallel states. Supported state "
            f"types include: [{', '.join(SUPPORTED_TYPES)}]")
    input_value = _json_field(body, "input", {})
    variables = _json_field(body, "variables", {})
    if not isinstance(variables, dict):
        raise TestStateError("ValidationException", "Invalid variables: the value must be a JSON object")
    if body.get("mock") and body.get("revealSecrets"):
        raise TestStateError("ValidationException",
                             "TestState does not support RevealSecrets when a mock is specified.")
    mock = _mock(body.get("mock"), state)
    context = _context_object(body, state)
    if mock is None and _needs_a_mock(state):
        # AWS's wording for this refusal is not recorded; code and message follow its Map/Parallel one.
        raise TestStateError("InvalidDefinition", "TestState API does not support Activity tasks or the "
                             "'.sync' and '.waitForTaskToken' integration patterns without a mock.")
    if state["Type"] == "Task" and mock is None and not body.get("roleArn"):
        raise TestStateError("ValidationException", "RoleArn must be specified when testing a Task state")
    configuration = body.get("stateConfiguration") or {}
    retry_count = int(configuration.get("retrierRetryCount") or 0)

    run = _Run(state, account, region, body.get("roleArn"), input_value, variables, mock,
               retry_count, context)
    run.map_failures = int(configuration.get("mapIterationFailureCount") or 0)
    answer = run.result()
    if level == "INFO":
        answer.pop("inspectionData", None)
    return answer


def _check_state_configuration(body: dict) -> None:
    """``stateConfiguration.mapIterationFailureCount`` needs a mock, and no more failures than
    the mocked result has iterations (AWS checks this before the state and its mock)."""
    configuration = body.get("stateConfiguration") or {}
    if "mapIterationFailureCount" not in configuration:
        return
    mock = body.get("mock")
    if not mock:
        raise TestStateError("ValidationException",
                             "TestState does not support MapIterationFailureCount when a mock is not specified.")
    try:
        result = json.loads(mock.get("result") or "null")
    except (TypeError, ValueError):
        return  # the mock's own check says why
    failures = configuration["mapIterationFailureCount"]
    if isinstance(result, list) and isinstance(failures, int) and failures > len(result):
        raise TestStateError("ValidationException", "Map iteration failure count must be less than or equal "
                             "to the number of Map iterations")


# The fields a context object given to TestState may have, with their types (moto's ContextObjectData;
# AWS refuses others). Map is refused in its own words; Task only where a task token is handed out.
_CONTEXT_FIELDS: dict[str, dict[str, type | None]] = {
    "Execution": {"Id": str, "Input": None, "Name": str, "RoleArn": str, "StartTime": str},
    "State": {"EnteredTime": str, "Name": str, "RetryCount": int},
    "StateMachine": {"Id": str, "Name": str},
    "Task": {"Token": str},
}
_TYPE_NAMES = {str: "a string", int: "an integer"}


def _context_object(body: dict, state: dict) -> dict | None:
    """The request's ``context``, checked as AWS checks it: it then is the state's whole context
    object ($$), in place of the one TestState would make up."""
    context = _json_field(body, "context", None)
    if context is None:
        return None
    problem = _context_problem(context)
    if problem is None and "Task" in context and not _hands_out_a_token(state):
        problem = ("Context object contains 'Task' when state is not a Task state with a '.sync' or "
                   "'.waitForTaskToken' service integration pattern")
    if problem:
        raise TestStateError("ValidationException", f"Invalid Context object provided: {problem}")
    return context


def _context_problem(context: Any) -> str | None:
    if not isinstance(context, dict):
        return "the context object must be an object"
    for field, value in context.items():
        if field == "Map":
            return "'Map' field is not supported when mocking a Context object"
        members = _CONTEXT_FIELDS.get(field)
        if members is None:
            return f"Field '{field}' is not allowed"
        if value is None:
            continue
        if not isinstance(value, dict):
            return f"{field} must be an object"
        for member, member_value in value.items():
            if member not in members:
                return f"Field '{member}' is not allowed"
            kind = members[member]
            wrong_type = kind is not None and member_value is not None and (
                not isinstance(member_value, kind) or isinstance(member_value, bool))
            if wrong_type:
                return f"{field}.{member} must be {_TYPE_NAMES[kind]}"
    return None


def _hands_out_a_token(state: dict) -> bool:
    resource = state.get("Resource")
    return state["Type"] == "Task" and isinstance(resource, str) and \
        resource.endswith((".sync", ".sync:2", ".waitForTaskToken"))


def _needs_a_mock(state: dict) -> bool:
    """An Activity Task, or a Task that waits for a job or a callback: TestState, which runs for at
    most five minutes and has no task token to hand out, runs these only with a mock."""
    return _is_activity(state) or _hands_out_a_token(state)


def _is_activity(state: dict) -> bool:
    return state["Type"] == "Task" and ":activity:" in str(state.get("Resource"))


# ----------------------------------------------------------------------------------------
# Mocks
# ----------------------------------------------------------------------------------------
def install() -> None:
    """A mocked ``errorOutput`` may name a States error (``States.TaskFailed``): moto's mock
    evaluation accepted only custom names and failed with States.Runtime."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import mock_eval_utils

    from .sfn_jsonata import error_name_of

    replace(mock_eval_utils, "CustomErrorName", error_name_of)
    # moto's TestState parser names the state it parses from this class attribute.
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor
    from moto.stepfunctions.parser.asl.parse.test_state import asl_parser
    from moto.stepfunctions.parser.asl.parse.test_state.preprocessor import TestStatePreprocessor

    replace(TestStatePreprocessor, "STATE_NAME", STATE_NAME)

    class OneStatePreprocessor(TestStatePreprocessor):
        """moto's TestState preprocessor made every state body it met the tested state, a
        Parallel's branch states too (and then failed to build the Parallel): only the
        outermost one is."""

        def visitState_decl_body(self, ctx):  # noqa: N802 (ANTLR's name)
            if getattr(self, "_outer_seen", False):
                return Preprocessor.visitState_decl_body(self, ctx)
            self._outer_seen = True
            return super().visitState_decl_body(ctx)

    replace(asl_parser, "TestStatePreprocessor", OneStatePreprocessor)


def _mock(mock: dict | None, state: dict):
    """moto's mocked response for the state, after checking the mock as AWS does."""
    from moto.stepfunctions.parser.mocking.mock_config import MockedResponseReturn, MockedResponseThrow

    if not mock:
        return None
    if state["Type"] not in ("Task", "Parallel", "Map"):
        raise TestStateError("ValidationException",
                             f"State type '{state['Type']}' is not supported when a mock is specified")
    if ("result" in mock) == ("errorOutput" in mock):
        raise TestStateError("ValidationException",
                             "A test mock should have only one of the following fields: [result, errorOutput].")
    if "errorOutput" in mock:
        error = mock["errorOutput"] or {}
        return MockedResponseThrow(0, 0, error=error.get("error"), cause=error.get("cause"))
    try:
        result = json.loads(mock["result"])
    except (TypeError, ValueError):
        raise TestStateError("ValidationException", "Mocked result must be valid JSON") from None
    if state["Type"] == "Map":  # the iterations' outputs, or what the ResultWriter wrote
        if "ResultWriter" in state and not isinstance(result, dict):
            raise TestStateError("ValidationException", "Mocked result must be a JSON object.")
        if "ResultWriter" not in state and not isinstance(result, list):
            raise TestStateError("ValidationException", "Mocked result must be an array.")
        return MockedResponseReturn(0, 0, payload=result)
    if state["Type"] == "Parallel":  # the branches' outputs, one per branch
        if not isinstance(result, list):
            raise TestStateError("ValidationException", "Mocked result must be an array.")
        if len(result) != len(state["Branches"]):
            raise TestStateError("ValidationException", "Mocked result must contain the same number of items "
                                 "as number of Parallel branches.")
        return MockedResponseReturn(0, 0, payload=result)
    mode = mock.get("fieldValidationMode") or "STRICT"
    if mode not in FIELD_VALIDATION_MODES:
        raise TestStateError("ValidationException", f"Invalid fieldValidationMode '{mode}'")
    if mode != "NONE":
        shape = _response_shape(state.get("Resource", ""))
        if shape is not None:
            problem = _shape_problem(result, shape, required=mode == "STRICT")
            if problem:
                raise TestStateError("ValidationException", f"Mock result schema validation error: {problem}")
    return MockedResponseReturn(0, 0, payload=result)


# Optimised integrations whose action is not the API operation's name in lower camel case.
_OPERATIONS = {("lambda", "invoke"): "Invoke", ("states", "startExecution.sync:2"): "DescribeExecution",
               ("states", "startExecution.sync"): "DescribeExecution"}


def _response_shape(resource: str):
    """The botocore output shape of the API a Task resource calls (None if not known)."""
    from botocore.exceptions import UnknownServiceError

    from .request_validation import service_model  # cached: loading botocore's model takes ~100 ms

    parts = resource.split(":")
    if len(parts) < 7 or parts[2] != "states" or parts[5] == "activity":
        return None
    if parts[5] == "aws-sdk":
        service, action = parts[6], parts[7] if len(parts) > 7 else ""
    else:
        service, action = parts[5], ":".join(parts[6:])
    action = action.replace(".waitForTaskToken", "")
    operation = _OPERATIONS.get((service, action)) or action.split(".")[0][:1].upper() + action.split(".")[0][1:]
    try:
        model = service_model({"sfn": "stepfunctions", "states": "stepfunctions"}.get(service, service))
        return model.operation_model(operation).output_shape
    except (UnknownServiceError, Exception):  # an integration botocore does not describe
        return None


def _field_name(member: str) -> str:
    """A response member as Step Functions names it: with a capital first letter (SFN's
    StartExecution answers ``ExecutionArn``, where the API's model says ``executionArn``)."""
    return member[:1].upper() + member[1:]


def _shape_problem(value: Any, shape, required: bool, name: str | None = None) -> str | None:
    """AWS's first complaint about ``value`` against ``shape`` (None if it fits). Fields the
    shape does not have are accepted, as AWS accepts them."""
    kind = shape.type_name
    label = f"Field '{name}'" if name else "The mocked result"
    if kind == "structure":
        if not isinstance(value, dict):
            return f"{label} must be an object"
        if required:
            for member in map(_field_name, shape.required_members):
                if member not in value:
                    return f"Required field '{member}' is missing"
        for member, member_shape in shape.members.items():
            member = _field_name(member)
            if member in value:
                problem = _shape_problem(value[member], member_shape, required, member)
                if problem:
                    return problem
        return None
    if kind == "list":
        if not isinstance(value, list):
            return f"{label} must be an array"
        for item in value:
            problem = _shape_problem(item, shape.member, required, name)
            if problem:
                return problem
        return None
    if kind == "map":
        if not isinstance(value, dict):
            return f"{label} must be an object"
        for item in value.values():
            problem = _shape_problem(item, shape.value, required, name)
            if problem:
                return problem
        return None
    if kind in ("integer", "long", "float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{label} must be a number"
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and value < low:
            return f"{label} is less than the minimum value"
        if high is not None and value > high:
            return f"{label} exceeds the maximum value"
        return None
    if kind == "boolean":
        return None if isinstance(value, bool) else f"{label} must be a boolean"
    if kind in ("string", "blob", "timestamp"):
        # A Lambda Payload is the function's JSON answer: any JSON value.
        if kind == "blob" and name == "Payload":
            return None
        if not isinstance(value, str):
            return f"{label} must be a string"
        if getattr(shape, "enum", None) and value not in shape.enum:  # a blob shape has no enum
            return f"{label} is not an expected value"
        low = shape.metadata.get("min")
        if low is not None and len(value) < low:
            return f"{label} is smaller than the minimum length"
        return None
    return None


# ----------------------------------------------------------------------------------------
# Running the state
# ----------------------------------------------------------------------------------------
class _Run:
    """One TestState evaluation: moto's interpreter on the state alone, in a TestState
    environment, with the outcome read as AWS reports it."""

    def __init__(self, state, account, region, role_arn, input_value, variables, mock,
                 retry_count, context):
        self.state, self.mock, self.retry_count = state, mock, retry_count
        self.account, self.region, self.role_arn = account, region, role_arn
        self.input_value, self.variables, self.context = input_value, variables, context
        self.error_details: dict[str, Any] = {}
        self.status: str | None = None
        self._failure: dict[str, Any] = {}  # the state's error and cause, once it has failed
        self.map_failures = 0  # stateConfiguration.mapIterationFailureCount

    def result(self) -> dict[str, Any]:
        from moto.stepfunctions.parser.asl.eval.program_state import ProgramError
        from moto.stepfunctions.parser.asl.eval.test_state.program_state import ProgramChoiceSelected

        program = self._parse()
        env = self._environment()
        program.eval(env)
        ended = env.program_state()
        answer: dict[str, Any] = {}
        inspection = self._steps({key: json.loads(value) if isinstance(value, str) else value
                                  for key, value in env.inspection_data.items()},
                                 succeeded=not isinstance(ended, ProgramError) and self.status != "RETRIABLE")
        if self.error_details:
            inspection["errorDetails"] = self.error_details
        if self.status == "RETRIABLE" or isinstance(ended, ProgramError):
            # The state's own error and cause: moto's program error adds "An error occurred while
            # executing the state ..." to a States.Runtime cause, which TestState does not.
            error = self._failure or getattr(ended, "error", None) or {}
            answer.update(status=self.status or "FAILED", error=error.get("error"), cause=error.get("cause"))
            answer = {k: v for k, v in answer.items() if v is not None}
        else:
            answer["status"] = self.status or "SUCCEEDED"
            answer["output"] = json.dumps(env.states.get_input(), separators=(",", ":"))
            next_state = (ended.next_state_name if isinstance(ended, ProgramChoiceSelected)
                          else self._next_state(env))
            if next_state:
                answer["nextState"] = next_state
            if self.status == "CAUGHT_ERROR":
                answer.update(error=self._failure.get("error"), cause=self._failure.get("cause"))
                answer = {k: v for k, v in answer.items() if v is not None}
        store = env.variable_store
        assigned = {**store._outer_scope, **store._inner_scope}
        if assigned:
            inspection["variables"] = assigned
        # Data steps travel as JSON text; the Map's numbers and errorDetails as they are.
        answer["inspectionData"] = {key: value if key in _NOT_JSON_TEXT else json.dumps(value, separators=(",", ":"))
                                    for key, value in inspection.items()}
        return answer

    # The JSONPath processing steps in order; AWS reports each one the state has, declared or not.
    _STEPS = ("input", "afterInputPath", "afterParameters", "result", "afterResultSelector", "afterResultPath")

    def _steps(self, recorded: dict[str, Any], succeeded: bool) -> dict[str, Any]:
        """moto records the steps a state declares; AWS also shows the undeclared ones (each
        passing its data on unchanged), as recorded: a Pass with Result has no InputPath and
        Parameters steps, a Choice, Succeed or Fail has only InputPath."""
        kind = self.state["Type"]
        if kind == "Map":
            return self._map_steps(recorded, succeeded)
        if self.state.get("QueryLanguage") == "JSONata" and kind == "Parallel":  # recorded: the input only
            return {key: value for key, value in recorded.items() if key == "input"}
        if self.state.get("QueryLanguage") == "JSONata" or kind == "Wait":
            return recorded
        if kind == "Task":
            steps = self._STEPS
        elif kind == "Pass" and "Result" in self.state:  # the Result replaces InputPath and Parameters
            steps = ("input", "result", "afterResultSelector", "afterResultPath")
        elif kind == "Pass":
            steps = ("input", "afterInputPath", "afterParameters", "afterResultSelector", "afterResultPath")
        elif kind == "Parallel":  # recorded: neither InputPath nor Parameters nor the result is shown
            steps = ("input", "result", "afterResultSelector", "afterResultPath")
        else:  # Choice, Succeed, Fail: their InputPath is shown, even when the state fails
            steps, succeeded = ("input", "afterInputPath"), True
        last = max((steps.index(key) for key in recorded if key in steps), default=0)
        filled, previous = {key: value for key, value in recorded.items()
                            if key in steps or key not in self._STEPS}, None
        for index, step in enumerate(steps):
            if step in recorded:
                previous = recorded[step]
            elif previous is not None and (succeeded or index < last):
                filled[step] = previous
        if kind == "Parallel":
            filled.pop("result", None)
        return filled

    def _map_number(self, field: str) -> int | float | None:
        """A Map's MaxConcurrency or ToleratedFailure*: a number, or a JSONata expression of the input."""
        from . import sfn_jsonata

        value = self.state.get(field)
        if isinstance(value, str) and value.startswith("{%") and value.endswith("%}"):
            value = sfn_jsonata.evaluate(value[2:-2].strip(), {"states": {"input": self.input_value}}, field)
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    def _exceeds_tolerated_failures(self, result: Any) -> bool:
        """``stateConfiguration.mapIterationFailureCount`` against the Map's ToleratedFailureCount or
        ToleratedFailurePercentage (recorded on AWS: a Map that sets neither is not checked)."""
        failures = self.map_failures
        count, percentage = self._map_number("ToleratedFailureCount"), self._map_number("ToleratedFailurePercentage")
        if not failures or (count is None and percentage is None):
            return False
        within_count = count is not None and failures <= count
        items = len(result) if isinstance(result, list) else 0
        within_percentage = percentage is not None and items and failures * 100 / items <= percentage
        return not (within_count or within_percentage)

    def _map_steps(self, recorded: dict[str, Any], succeeded: bool) -> dict[str, Any]:
        """A Map's inspection data, as recorded on AWS: the input (after InputPath and ItemsPath
        in JSONPath), MaxConcurrency (0 when not set) and the tolerated failures it declares."""
        shown: dict[str, Any] = {"input": recorded.get("input")}
        if self.state.get("QueryLanguage") != "JSONata":
            shown["afterInputPath"] = recorded.get("afterInputPath", shown["input"])
            if "afterItemsPath" not in recorded:  # the ItemsPath failed: nothing later is shown
                return shown
            shown["afterItemsPath"] = recorded["afterItemsPath"]
            if succeeded:
                result = recorded.get("result")
                shown["afterResultSelector"] = recorded.get("afterResultSelector", result)
                shown["afterResultPath"] = recorded.get("afterResultPath", shown["afterResultSelector"])
        shown["maxConcurrency"] = int(self._map_number("MaxConcurrency") or 0)
        count, percentage = self._map_number("ToleratedFailureCount"), self._map_number("ToleratedFailurePercentage")
        if count is not None:
            shown["toleratedFailureCount"] = int(count)
        if percentage is not None:
            shown["toleratedFailurePercentage"] = float(percentage)
        return shown

    def _next_state(self, env) -> str | None:
        if self.status == "CAUGHT_ERROR":
            return env.next_state_name
        return self.state.get("Next")

    # -- parsing --------------------------------------------------------------------------
    def _parse(self):
        from moto.stepfunctions.parser.asl.parse.test_state.asl_parser import (
            TestStateAmazonStateLanguageParser,
        )
        from moto.stepfunctions.parser.asl.parse.asl_parser import ASLParserException

        try:
            program = TestStateAmazonStateLanguageParser.parse(json.dumps(self.state))[0]
        except ASLParserException as error:
            raise TestStateError("InvalidDefinition", f"Invalid State Machine Definition: '{error}'") from None
        self._record_arguments(program.test_state)
        self._take_over_errors(program.test_state)
        self._keep_the_context_state(program.test_state)
        if self.state["Type"] in ("Parallel", "Map") or (self.mock is not None and _is_activity(self.state)):
            self._answer_with_the_mock(program.test_state)
        return program

    def _answer_with_the_mock(self, state) -> None:
        """A Parallel or Map state with a mock runs no branch or iteration, and a mocked Activity
        Task waits for no worker: the mocked result is what they returned (or the mocked error is
        how they failed); the state's own Arguments, ResultSelector, ResultPath and Output then
        run as usual. (moto mocks service integrations only.)"""
        from moto.stepfunctions.parser.asl.component.state.exec.state_task.mock_eval_utils import (
            eval_mocked_response,
        )

        mock = self.mock

        activity = self.state["Type"] == "Task"

        def eval_execution(env) -> None:
            if activity:
                state._eval_parameters(env=env)  # the task input the worker would have received
            if getattr(state, "items_path", None) is not None:
                self._eval_items_path(state, env)
            eval_mocked_response(env=env, mocked_response=mock)
            env.inspection_data["result"] = json.dumps(env.stack[-1])  # where the later steps start
            if self.state["Type"] == "Map" and self._exceeds_tolerated_failures(env.stack[-1]):
                raise _threshold_exceeded(env)

        state._eval_execution = eval_execution
        self.mock = None  # the branches' Tasks are not mocked: they do not run

    def _keep_the_context_state(self, state) -> None:
        """Entering a state, moto writes its own ``$$.State`` (Name, EnteredTime); with a context
        object in the request, AWS keeps the request's (recorded: ``"State": {}`` stays empty). The
        request's is put back before the state reads its input."""
        if self.context is None:
            return
        moto_eval_state_input = state._eval_state_input
        given = self.context.get("State")

        def eval_state_input(env) -> None:
            data = env.states.context_object.context_object_data
            data.pop("State", None)
            if given is not None:
                data["State"] = copy.deepcopy(given)
            moto_eval_state_input(env)

        state._eval_state_input = eval_state_input

    @staticmethod
    def _eval_items_path(state, env) -> None:
        """A JSONPath Map's ItemsPath (``$$...`` reads the context object), shown as afterItemsPath;
        a value that is not an array fails the state as AWS words it (recorded for ``$$``)."""
        state.items_path.eval(env=env)
        items = env.stack.pop()
        if not isinstance(items, list):
            path = getattr(state.items_path.string_sampler, "json_path", "$")
            raise _runtime_error(env, f'Reference path "{path}" must point to array.')
        env.inspection_data["afterItemsPath"] = json.dumps(items)

    @staticmethod
    def _record_arguments(state) -> None:
        """moto records the JSONPath steps; a JSONata state's Arguments are recorded here."""
        from moto.stepfunctions.parser.asl.component.common.parargs import Arguments

        arguments = getattr(state, "parargs", None)
        if not isinstance(arguments, Arguments):
            return
        moto_body = arguments._eval_body

        def eval_body(env) -> None:
            moto_body(env)
            env.inspection_data["afterArguments"] = json.dumps(env.stack[-1])

        arguments._eval_body = eval_body

    def _take_over_errors(self, state) -> None:
        """A Task's failure is not retried here: the outcome says what the Retrier or Catch
        would do (RETRIABLE, CAUGHT_ERROR), as AWS's TestState does."""
        from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState

        if not isinstance(state, ExecutionState):
            return
        run = self

        def eval_state(env) -> None:
            from moto.stepfunctions.parser.asl.component.common.catch.catch_outcome import CatchOutcome
            from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
                FailureEventException,
            )

            if run.context is None:  # a context object in the request says its own RetryCount
                env.states.context_object.context_object_data["State"]["RetryCount"] = run.retry_count
            parargs = getattr(state, "parargs", None)
            if state.state_type.name == "Parallel" and parargs is not None:
                parargs.eval(env=env)  # the branches' input (moto's StateParallel does this first)
            try:
                state._evaluate_with_timeout(env)
                return
            except Exception as ex:  # noqa: BLE001 (moto's own handler catches everything too)
                failure_event = state._from_error(env=env, ex=ex)
            error_output = state._construct_error_output_value(failure_event=failure_event)
            env.states.set_error_output(error_output)  # a Catch sees errorOutput, not result
            run._failure = {"error": error_output.get("Error"), "cause": error_output.get("Cause")}
            if state.retry and run._retriable(state, env, failure_event):
                run.status = "RETRIABLE"
                raise FailureEventException(failure_event=failure_event)
            if state.catch:
                for index, catcher in enumerate(state.catch.catchers):
                    env.stack.append(failure_event)
                    catcher.eval(env)
                    outcome = env.stack.pop()
                    if type(outcome).__name__ == "CatcherOutcomeCaught":
                        run.status = "CAUGHT_ERROR"
                        run.error_details["catchIndex"] = index
                        env.stack.append(CatchOutcome.Caught)
                        return
                    env.stack.pop()  # the failure event the catcher handed back
            raise FailureEventException(failure_event=failure_event)

        state._eval_state = eval_state

    def _retriable(self, state, env, failure_event) -> bool:
        """Whether a Retrier would try again at this attempt, noting which and after how long."""
        for index, retrier in enumerate(state.retry.retriers):
            env.stack.append(failure_event.error_name)
            retrier.error_equals.eval(env)
            if not env.stack.pop():
                continue
            self.error_details = {"retryIndex": index}
            if self.retry_count >= retrier.max_attempts.attempts:
                return False
            interval = retrier.interval_seconds.seconds * retrier.backoff_rate.rate ** self.retry_count
            max_delay = getattr(retrier.max_delay_seconds, "max_delays_seconds", None)
            if isinstance(max_delay, (int, float)) and max_delay > 0:
                interval = min(interval, max_delay)
            whole = float(interval).is_integer()
            self.error_details["retryBackoffIntervalSeconds"] = int(interval) if whole else interval
            return True
        return False

    # -- the environment ------------------------------------------------------------------
    def _environment(self):
        from moto.stepfunctions.parser.api import StateMachineType
        from moto.stepfunctions.parser.asl.eval.event.event_manager import EventHistoryContext
        from moto.stepfunctions.parser.asl.eval.evaluation_details import AWSExecutionDetails
        from moto.stepfunctions.parser.asl.eval.states import ContextObjectData, ExecutionData, StateMachineData
        from moto.stepfunctions.parser.asl.eval.test_state.environment import TestStateEnvironment
        from moto.stepfunctions.parser.mocking.mock_config import MockTestCase, StateMockedResponses

        from .stepfunctions.semantics import aws_timestamp

        name = f"TestState-{uuid.uuid4()}"
        machine_arn = f"arn:aws:states:{self.region}:{self.account}:stateMachine:{name}"
        now = datetime.datetime.now(tz=datetime.UTC)
        context = ContextObjectData(
            Execution=ExecutionData(
                Id=f"arn:aws:states:{self.region}:{self.account}:express:{name}:{name}",
                Input=self.input_value, Name=name, RoleArn=self.role_arn,
                StartTime=aws_timestamp(now)),
            StateMachine=StateMachineData(Id=machine_arn, Name=name))
        env = TestStateEnvironment(
            aws_execution_details=AWSExecutionDetails(
                account=self.account, region=self.region, role_arn=self.role_arn),
            execution_type=StateMachineType.STANDARD, context=context,
            event_history_context=EventHistoryContext.of_program_start(), activity_store={})
        env.states.reset(input_value=self.input_value)
        if self.context is not None:
            _use_the_context(env, self.context, self.mock)
        for variable, value in self.variables.items():
            env.variable_store.set(variable_identifier=variable, variable_value=value)
        if self.mock is not None:
            self.mock.range_end = self.retry_count  # one answer for every attempt
            env.mock_test_case = MockTestCase(
                state_machine_name=name, test_case_name="TestState",
                state_mocked_responses_list=[StateMockedResponses(
                    state_name=STATE_NAME, mocked_response_name="mock", mocked_responses=[self.mock])])
        return env


def _use_the_context(env, context: dict, mock) -> None:
    """The request's context object is the state's whole context object (recorded on AWS: ``{}``
    gives ``$$`` = ``{}``, ``Execution.Input`` is the context's, not the state input), and a
    ``.waitForTaskToken`` Task hands out its ``Task.Token``. The frame a Task runs in copies
    ``Execution`` and ``StateMachine`` from it (moto needs both, and ``Execution.Input``): they are
    filled in while the frame is made, and the frame then gets the context as given. moto picks
    the mocked answer by ``$$.State.RetryCount``, which such a context may lack: TestState's one
    mock answers every attempt."""
    def use(environment) -> None:
        context_object = environment.states.context_object
        context_object.context_object_data.clear()
        context_object.context_object_data.update(copy.deepcopy(context))
        token = (context.get("Task") or {}).get("Token")
        if token is not None:
            context_object.update_task_token = lambda: token
        if mock is not None:
            environment.get_current_mocked_response = lambda: mock

    moto_open_frame = env.open_frame

    def open_frame(event_history_context=None):
        data = env.states.context_object.context_object_data
        data["Execution"] = {"Input": None, **(data.get("Execution") or {})}
        data.setdefault("StateMachine", {})
        try:
            frame = moto_open_frame(event_history_context)
        finally:
            use(env)
        use(frame)
        return frame

    use(env)
    env.open_frame = open_frame


def _runtime_error(env, cause: str):
    """A States.Runtime failure of the state, with ``cause``."""
    return _state_failure(env, "StatesRuntime", "TaskFailed", "taskFailedEventDetails", "TaskFailedEventDetails", cause)


def _threshold_exceeded(env):
    """The error a Map fails with when more iterations failed than it tolerates."""
    return _state_failure(env, "StatesExceedToleratedFailureThreshold", "MapRunFailed", "mapRunFailedEventDetails",
                          "MapRunFailedEventDetails", "The specified tolerated failure threshold was exceeded")


def _state_failure(env, error_type: str, event_type: str, details_field: str, details_class: str, cause: str):
    """moto's exception for the state failing with the States error ``error_type``, recorded as a
    ``event_type`` event whose ``details_field`` (of moto's ``details_class``) has ``cause``."""
    from moto.stepfunctions.parser import api
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    error_name = StatesErrorName(typ=getattr(StatesErrorNameType, error_type))
    details = getattr(api, details_class)(error=error_name.error_name, cause=cause)
    return FailureEventException(failure_event=FailureEvent(
        env=env, error_name=error_name, event_type=getattr(api.HistoryEventType, event_type),
        event_details=EventDetails(**{details_field: details})))
