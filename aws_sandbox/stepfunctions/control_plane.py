"""The Step Functions control plane as AWS answers it: state machines, their definitions and
descriptions, activities, and the errors of malformed ARNs.

The evidence is LocalStack's AWS-recorded ``tests/aws/services/stepfunctions/v2/test_sfn_api*.snapshot.json``
(commit in tests/conformance/README.md); what moto 5.2.5 did instead is said at each fix.

- Errors of moto's ASL parser module (``InvalidDefinition``, ``MissingRequiredParameter``,
  ``TaskDoesNotExist``, ...) reached the client with no error code at all: they set ``code``,
  which moto's ``AWSError`` overwrites with the HTTP status, and not ``TYPE``.
- A definition AWS refuses is refused in AWS's words: ``Invalid State Machine Definition:
  'SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /'`` (moto: ``Error=ValueError
  Args=[...]``); Express machines refuse ``.waitForTaskToken``, ``.sync`` and Activity Tasks (moto
  accepted them). ``ValidateStateMachineDefinition`` answers the same findings as diagnostics
  (moto answered 500).
- A ``loggingConfiguration`` with a level other than OFF needs exactly one destination, a log group
  that exists (``InvalidLoggingConfiguration``; moto accepted any).
- CreateStateMachine with the name of an existing machine and another definition, type, logging
  or tracing configuration answers ``StateMachineAlreadyExists`` (moto returned the old machine as
  if it had been created); the very same request is still answered with the existing machine.
- DescribeStateMachine: ``loggingConfiguration`` has ``includeExecutionData``, there is no
  ``encryptionConfiguration`` unless one was given, and ``revisionId`` once the machine has been
  updated; UpdateStateMachine answers ``revisionId`` (a new one only when something changed) and,
  given nothing to change, AWS's ``MissingRequiredParameter`` message.
- DescribeStateMachineForExecution answers the definition and role the execution ran with (moto:
  the machine's current ones), with ``updateDate`` and without the fields it does not have.
- ListStateMachines lists by name (moto: by creation).
- DescribeExecution has ``inputDetails`` (the speed path answers it from ``INPUT_DETAILS`` too), and
  its ``output`` is compact JSON text, as AWS writes it (moto: ``json.dumps``, with spaces; a JSONata
  string output unquoted).
- An ARN that does not start with ``arn:`` is ``Invalid Arn: 'Invalid ARN prefix: <arn>'``.
- StopExecution passes its ``error`` and ``cause`` to the ``ExecutionAborted`` event, which has
  no empty ``error``/``cause`` when none were given (moto ignored both and wrote ``""``).
- Activities: CreateActivity of an existing name answers that activity (moto:
  ``ActivityAlreadyExists``); DescribeActivity of a missing one says ``Activity Does Not Exist``
  and its ``encryptionConfiguration`` defaults to ``AWS_OWNED_KEY``.

``moto_patches`` installs ``install()``; ``handle_request`` answers ValidateStateMachineDefinition.
"""
from __future__ import annotations

import json
import re
import uuid
from typing import Any

from werkzeug.wrappers import Request, Response

from ..patching import replace

INPUT_DETAILS = {"included": True}  # DescribeExecution's, for every execution the sandbox has
STATE_TYPES = ("Task", "Wait", "Pass", "Succeed", "Fail", "Choice", "Parallel", "Map")
NOT_AN_OBJECT = "Definition must be a valid JSON object"
_TOKEN = re.compile(r"[A-Za-z0-9_$]+")


# ----------------------------------------------------------------------------------------
# JSON errors in AWS's (Jackson's) words
# ----------------------------------------------------------------------------------------
def json_error(text: str, error: json.JSONDecodeError) -> str:
    """What AWS says of text that is not JSON, for the two mistakes people make most (a bare
    word, single quotes); Python's message otherwise. AWS's parser is Jackson."""
    found = text[error.pos:error.pos + 1]
    if error.msg == "Expecting value" and (token := _TOKEN.match(text, error.pos)):
        return (f"Unrecognized token '{token.group()}': was expecting (JSON String, Number, Array, Object "
                "or token 'null', 'true' or 'false')")
    if error.msg.startswith("Expecting property name") and found:
        return f"Unexpected character ('{found}' (code {ord(found)})): was expecting double-quote to start field name"
    return str(error)


def execution_input_error(text: str) -> str | None:
    """InvalidExecutionInput's message for StartExecution input that is not JSON, else None."""
    if not text:
        return "Invalid State Machine Execution Input: 'Invalid execution input.'"
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        return f"Invalid State Machine Execution Input: '{json_error(text, error)}'"
    except (ValueError, RecursionError) as error:
        return f"Invalid State Machine Execution Input: '{error}'"
    return None


# ----------------------------------------------------------------------------------------
# Definitions
# ----------------------------------------------------------------------------------------
def _finding(message: str, location: str | None = None, code: str = "SCHEMA_VALIDATION_FAILED") -> dict[str, str]:
    finding = {"code": code, "message": message, "severity": "ERROR"}
    if location is not None:
        finding["location"] = location
    return finding


def _states(container: dict, path: str = ""):
    """(path, state) of every state, in branches and Map processors too: ``/States/A``,
    ``/States/P/Branches/0/States/B``, ``/States/M/ItemProcessor/States/C``."""
    states = container.get("States")
    if not isinstance(states, dict):
        return
    for name, state in states.items():
        state_path = f"{path}/States/{name}"
        if not isinstance(state, dict):
            continue
        yield state_path, state
        for i, branch in enumerate(state.get("Branches") or []):
            if isinstance(branch, dict):
                yield from _states(branch, f"{state_path}/Branches/{i}")
        for key in ("ItemProcessor", "Iterator"):
            if isinstance(state.get(key), dict):
                yield from _states(state[key], f"{state_path}/{key}")


def _express_refusal(resource: Any) -> str | None:
    if not isinstance(resource, str):
        return None
    if resource.endswith(".waitForTaskToken"):
        return "Express state machine does not support '.waitForTaskToken' service integration "
    if re.search(r"\.sync(:\d+)?$", resource):
        return "Express state machine does not support '.sync' service integration"
    if re.match(r"arn:[^:]+:states:[^:]*:[^:]*:activity:", resource):
        return "Express state machine does not support Activity ARN"
    return None


def definition_findings(text: str, machine_type: str = "STANDARD") -> list[dict[str, str]]:
    """What AWS finds wrong with a definition (ValidateStateMachineDefinition's diagnostics);
    moto's parser has the last word on what these checks do not cover."""
    if not text.strip():
        return [_finding(NOT_AN_OBJECT)]
    try:
        definition = json.loads(text)
    except json.JSONDecodeError as error:
        line, column = error.lineno, error.colno
        if (token := _TOKEN.match(text, error.pos)) and error.msg == "Expecting value":
            column += len(token.group())
        source = f'[Source: (String)"{text}"; line: {line}, column: {column}]'
        return [_finding(f"{json_error(text, error)}\n at {source}", source, code="INVALID_JSON_DESCRIPTION")]
    if not isinstance(definition, dict):
        return [_finding(NOT_AN_OBJECT)]
    missing = [field for field in ("States", "StartAt") if field not in definition]
    if missing:
        return [_finding(f"These fields are required: [{', '.join(missing)}]", "/")]
    findings = []
    for path, state in _states(definition):
        if state.get("Type") not in STATE_TYPES:
            findings.append(_finding(f"The field 'Type' should have one of these values: [{', '.join(STATE_TYPES)}]",
                                     f"{path}/Type"))
        if definition.get("QueryLanguage") == "JSONata" and state.get("QueryLanguage") == "JSONPath":
            findings.append(_finding(
                "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine", path))
        if machine_type == "EXPRESS" and (refusal := _express_refusal(state.get("Resource"))):
            findings.append(_finding(refusal, f"{path}/Resource"))
    if findings:
        return findings
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser, ASLParserException

    try:
        AmazonStateLanguageParser.parse(text)
    except ASLParserException as error:
        return [_finding(str(error))]
    except Exception as error:  # noqa: BLE001 -- moto's parser raises ValueError, KeyError, ... for bad definitions
        return [_finding(str(error.args[0]) if error.args else type(error).__name__)]
    return []


def invalid_definition_message(finding: dict[str, str]) -> str:
    """CreateStateMachine's message for a finding, as AWS words it."""
    where = f" at {finding['location']}" if "location" in finding else ""
    return f"Invalid State Machine Definition: '{finding['code']}: {finding['message']}{where}'"


def check_definition(text: str, machine_type: str | None) -> None:
    from moto.stepfunctions.parser.api import InvalidDefinition

    findings = definition_findings(text, machine_type or "STANDARD")
    if findings:
        raise InvalidDefinition(invalid_definition_message(findings[0]))


# ----------------------------------------------------------------------------------------
# State machines
# ----------------------------------------------------------------------------------------
def logging_configuration(configuration: dict | None) -> dict:
    return {"level": "OFF", "includeExecutionData": False, **(configuration or {})}


def check_logging_configuration(configuration: dict | None) -> None:
    """A logging level other than OFF needs exactly one destination, a log group that exists."""
    from moto.logs.models import logs_backends
    from moto.stepfunctions.parser.api import InvalidLoggingConfiguration

    if not configuration or configuration.get("level", "OFF") == "OFF":
        return
    destinations = configuration.get("destinations") or []
    if len(destinations) != 1:
        raise InvalidLoggingConfiguration("Invalid Logging Configuration: Must specify exactly one Log Destination.")
    arn = str((destinations[0].get("cloudWatchLogsLogGroup") or {}).get("logGroupArn") or "")
    parts = arn.split(":")  # arn:aws:logs:{region}:{account}:log-group:{name}:*
    if len(parts) < 7 or parts[2] != "logs" or parts[5] != "log-group" \
            or parts[6] not in logs_backends[parts[4]][parts[3]].groups:
        raise InvalidLoggingConfiguration("Invalid Logging Configuration: Log Destination not found.")


def _settings(definition, machine_type, logging, tracing, encryption) -> tuple:
    """What CreateStateMachine's idempotency compares (AWS: not the role, nor the tags)."""
    return (definition, machine_type or "STANDARD", logging_configuration(logging),
            {"enabled": False, **(tracing or {})}, encryption or {"type": "AWS_OWNED_KEY"})


def _revision(machine) -> tuple:
    """What an update must change for the machine to get a new ``revisionId``."""
    return (_settings(machine.definition, machine.type, machine.loggingConfiguration,
                      machine.tracingConfiguration, machine.encryptionConfiguration), machine.roleArn)


def install_error_codes() -> None:
    """Errors of moto's parser module carry their code (see the module's docstring)."""
    from moto.core.exceptions import AWSError
    from moto.stepfunctions.parser import api

    for value in list(vars(api).values()):
        if isinstance(value, type) and issubclass(value, AWSError) and value.TYPE is None \
                and isinstance(value.__dict__.get("code"), str):
            replace(value, "TYPE", value.code)


def install_state_machines() -> None:
    from moto.core.utils import utcnow
    from moto.stepfunctions.exceptions import InvalidArn
    from moto.stepfunctions.models import StepFunctionBackend
    from moto.stepfunctions.parser.api import MissingRequiredParameter, StateMachineAlreadyExists
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend
    from moto.stepfunctions.responses import StepFunctionResponse
    from moto.stepfunctions.utils import PAGINATION_MODEL
    from moto.utilities.paginator import paginate

    def create_state_machine(self, name, definition, roleArn, tags=None, publish=None, loggingConfiguration=None,
                             tracingConfiguration=None, encryptionConfiguration=None, version_description=None,
                             sm_type=None):
        check_definition(definition, sm_type)
        check_logging_configuration(loggingConfiguration)
        existing = next((machine for machine in self.state_machines if machine.name == name), None)
        if existing is not None:
            if _settings(definition, sm_type, loggingConfiguration, tracingConfiguration, encryptionConfiguration) \
                    != _settings(existing.definition, existing.type, existing.loggingConfiguration,
                                 existing.tracingConfiguration, existing.encryptionConfiguration):
                raise StateMachineAlreadyExists(f"State Machine Already Exists: '{existing.arn}'")
            return existing
        machine = moto_create(self, name=name, definition=definition, roleArn=roleArn, tags=tags, publish=publish,
                              loggingConfiguration=loggingConfiguration, tracingConfiguration=tracingConfiguration,
                              encryptionConfiguration=encryptionConfiguration, version_description=version_description,
                              sm_type=sm_type)
        machine.__dict__["_lab_encryption_given"] = encryptionConfiguration is not None
        return machine

    def update_state_machine(self, arn, definition=None, role_arn=None, logging_configuration=None,
                             tracing_configuration=None, encryption_configuration=None, publish=None,
                             version_description=None):
        if not any([definition, role_arn, logging_configuration, tracing_configuration, encryption_configuration]):
            raise MissingRequiredParameter("Either the definition, the role ARN, the LoggingConfiguration, "
                                           "or the TracingConfiguration must be specified")
        machine = self.describe_state_machine(arn)
        if definition is not None:
            check_definition(definition, machine.type)
        check_logging_configuration(logging_configuration)
        before = _revision(machine)
        machine = moto_update(self, arn, definition, role_arn, logging_configuration=logging_configuration,
                              tracing_configuration=tracing_configuration,
                              encryption_configuration=encryption_configuration, publish=publish,
                              version_description=version_description)
        if encryption_configuration is not None:
            machine.__dict__["_lab_encryption_given"] = True
        if _revision(machine) != before or getattr(machine, "revision_id", None) is None:
            machine.revision_id = str(uuid.uuid4())
        return machine

    def describe_state_machine(self):
        result = moto_describe(self)
        machine = self.stepfunction_backend.describe_state_machine(result.result["stateMachineArn"])
        _describe_fields(result.result, machine)
        return result

    def update_answer(self):
        result = moto_update_answer(self)
        machine = self.stepfunction_backend.describe_state_machine(self._get_param("stateMachineArn"))
        result.result["revisionId"] = machine.revision_id
        return result

    def describe_state_machine_for_execution(self):
        from moto.core.responses import ActionResult
        from moto.stepfunctions.models import StateMachineVersion

        execution = self.stepfunction_backend.describe_execution(self._get_param("executionArn"))
        ran = execution.state_machine  # the snapshot the execution was started with
        answer = {"stateMachineArn": ran.source_arn if isinstance(ran, StateMachineVersion) else ran.arn,
                  "name": ran.name, "definition": ran.definition, "roleArn": ran.roleArn,
                  "loggingConfiguration": logging_configuration(ran.loggingConfiguration),
                  "tracingConfiguration": ran.tracingConfiguration, "updateDate": ran.update_date}
        if getattr(ran, "revision_id", None):
            answer["revisionId"] = ran.revision_id
        return ActionResult(answer)

    def describe_execution(self):
        result = moto_describe_execution(self)
        result.result["inputDetails"] = dict(INPUT_DETAILS)
        if result.result.get("status") == "SUCCEEDED":  # the JSON text the execution keeps, as the speed path
            execution = self.stepfunction_backend.describe_execution(result.result["executionArn"])
            result.result["output"] = execution.output_json or "null"
        return result

    def stop_execution(self):
        from moto.core.responses import ActionResult

        # DescribeExecution's lookup: its errors, and an Express ARN refused (stepfunctions.executions)
        execution = self.stepfunction_backend.describe_execution(self._get_param("executionArn"))
        execution.stop(stop_date=utcnow(), error=self._get_param("error"), cause=self._get_param("cause"))
        return ActionResult({"stopDate": execution.stop_date})

    @paginate(pagination_model=PAGINATION_MODEL)
    def list_state_machines(self):
        # AWS lists by name (the recorded test_list_sms_pagination: _0, _10, _11, _12, _1, ...); moto by creation
        return sorted(self.state_machines, key=lambda machine: machine.name)

    def arn_prefix_checked(validate):
        def check(self, arn):
            if isinstance(arn, str) and not arn.startswith("arn:"):
                raise InvalidArn(f"Invalid Arn: 'Invalid ARN prefix: {arn}'")
            return validate(self, arn)
        return check

    moto_create = replace(StepFunctionsParserBackend, "create_state_machine", create_state_machine)
    moto_update = replace(StepFunctionsParserBackend, "update_state_machine", update_state_machine)
    moto_describe = replace(StepFunctionResponse, "describe_state_machine", describe_state_machine)
    moto_update_answer = replace(StepFunctionResponse, "update_state_machine", update_answer)
    replace(StepFunctionResponse, "describe_state_machine_for_execution", describe_state_machine_for_execution)
    moto_describe_execution = replace(StepFunctionResponse, "describe_execution", describe_execution)
    replace(StepFunctionResponse, "stop_execution", stop_execution)
    replace(StepFunctionBackend, "list_state_machines", list_state_machines)
    for name in ("_validate_machine_arn", "_validate_execution_arn", "_validate_activity_arn"):
        replace(StepFunctionBackend, name, arn_prefix_checked(getattr(StepFunctionBackend, name)))


def _describe_fields(answer: dict, machine) -> None:
    answer["loggingConfiguration"] = logging_configuration(answer.get("loggingConfiguration"))
    if not machine.__dict__.get("_lab_encryption_given", True):
        answer.pop("encryptionConfiguration", None)
    if getattr(machine, "revision_id", None):
        answer["revisionId"] = machine.revision_id


def install_activities() -> None:
    from moto.stepfunctions.exceptions import ActivityDoesNotExist
    from moto.stepfunctions.models import StepFunctionBackend
    from moto.stepfunctions.responses import StepFunctionResponse

    def create_activity(self, name, tags=None, encryption_configuration=None):
        self._validate_name(name)
        arn = f"arn:{self.partition}:states:{self.region_name}:{self.account_id}:activity:{name}"
        if arn in self.activities:
            return self.activities[arn]
        return moto_create(self, name, tags=tags, encryption_configuration=encryption_configuration)

    def describe_activity(self, activity_arn):
        try:
            return moto_describe(self, activity_arn)
        except ActivityDoesNotExist:
            raise ActivityDoesNotExist(f"Activity Does Not Exist: '{activity_arn}'") from None

    def describe_activity_answer(self):
        result = moto_describe_answer(self)
        result.result["encryptionConfiguration"] = result.result.get("encryptionConfiguration") or {
            "type": "AWS_OWNED_KEY"}
        return result

    moto_create = replace(StepFunctionBackend, "create_activity", create_activity)
    moto_describe = replace(StepFunctionBackend, "describe_activity", describe_activity)
    moto_describe_answer = replace(StepFunctionResponse, "describe_activity", describe_activity_answer)


def install() -> None:
    install_error_codes()
    install_state_machines()
    install_activities()


# ----------------------------------------------------------------------------------------
# ValidateStateMachineDefinition, which moto answers with a 500
# ----------------------------------------------------------------------------------------
def handle_request(request: Request) -> Response | None:
    if request.headers.get("X-Amz-Target") != "AWSStepFunctions.ValidateStateMachineDefinition":
        return None
    body = json.loads(request.get_data())  # request_validation has checked it is an object with a definition
    findings = definition_findings(body["definition"], body.get("type") or "STANDARD")
    limit = body.get("maxResults") or 100
    answer = {"result": "FAIL" if findings else "OK", "diagnostics": findings[:limit],
              "truncated": len(findings) > limit}
    return Response(json.dumps(answer), status=200, content_type="application/x-amz-json-1.0",
                    headers={"x-amzn-RequestId": str(uuid.uuid4())})
