"""Step Functions ``RedriveExecution``, which moto does not have.

As the AWS API reference describes it: a FAILED, TIMED_OUT or ABORTED Standard execution that
stopped less than 14 days ago continues, under the same execution ARN, input and definition,
from the state that did not finish; the states before it are not run again. The history keeps
the first attempt's events, then ``ExecutionRedriven`` (``redriveCount``) and the new ones.
DescribeExecution answers ``redriveCount``, ``redriveStatus`` (``redriveStatusReason`` when
not redrivable) and ``redriveDate``; ListExecutions' items ``redriveCount`` and ``redriveDate``;
``$$.Execution.RedriveCount`` counts the redrives.

Known differences (aws_sandbox/README.md): a failed state inside a Parallel or Map runs again
whole (AWS re-runs only the failed branches or iterations); ``redriveFilter`` is not applied.
"""
from __future__ import annotations

import datetime
import json
import threading
from typing import Any

from moto.core.exceptions import AWSError, JsonRESTError
from werkzeug.wrappers import Request, Response

from .. import awsapi
from ..patching import replace
from .executions import _error_response

REDRIVABLE_STATUSES = ("FAILED", "TIMED_OUT", "ABORTED")
REDRIVABLE_PERIOD = datetime.timedelta(days=14)
_lock = threading.Lock()
_installed = False


class ExecutionNotRedrivable(AWSError):
    TYPE = "ExecutionNotRedrivable"


class _ValidationError(AWSError):
    TYPE = "ValidationException"


def not_redrivable_reason(execution, now: datetime.datetime) -> str | None:
    """Why the execution cannot be redriven now (AWS's redriveStatusReason), or None if it can."""
    status = execution.status
    if status not in REDRIVABLE_STATUSES:
        return f"Execution is {status} and cannot be redriven"
    if execution.stop_date is not None and now - execution.stop_date > REDRIVABLE_PERIOD:
        return "Execution redrivable period exceeded"
    return None


def redrive_fields(execution, *, describe: bool) -> dict[str, Any]:
    """The redrive fields of DescribeExecution (``describe``) or of a ListExecutions item."""
    count = getattr(execution, "_lab_redrive_count", 0)
    fields: dict[str, Any] = {"redriveCount": count}
    if count:
        fields["redriveDate"] = execution._lab_redrive_date
    if describe:
        reason = not_redrivable_reason(execution, datetime.datetime.now(datetime.UTC))
        fields["redriveStatus"] = "NOT_REDRIVABLE" if reason else "REDRIVABLE"
        if reason:
            fields["redriveStatusReason"] = reason
    return fields


def _resume_point(execution) -> tuple[str, Any]:
    """The top-level state that was entered and not left, and the input it was entered with."""
    definition = json.loads(execution.state_machine.definition)
    top_level = set(definition["States"])
    entered: dict[str, Any] = {}
    last: str | None = None
    for event in execution.exec_worker.env.event_manager.get_event_history():
        if "stateEnteredEventDetails" in event and event["stateEnteredEventDetails"]["name"] in top_level:
            details = event["stateEnteredEventDetails"]
            entered[details["name"]] = json.loads(details.get("input") or "{}")
            last = details["name"]
        elif "stateExitedEventDetails" in event and event["stateExitedEventDetails"]["name"] == last:
            last = None
    if last is None:  # it failed between states (or before the first): start where it started
        return definition["StartAt"], execution.input_data
    return last, entered[last]


def redrive(backend, execution_arn: str, client_token: str | None = None) -> datetime.datetime:
    """Resume the execution from the state that failed; return the redrive date."""
    from moto.stepfunctions.parser.api import ExecutionStatus

    # ExecutionDoesNotExist; InvalidArn, also for an Express execution (they keep no history)
    execution = backend.describe_execution(execution_arn)
    with _lock:
        if client_token and client_token == getattr(execution, "_lab_redrive_token", None):
            return execution._lab_redrive_date  # the same request again: one redrive only
        now = datetime.datetime.now(datetime.UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # AWS dates carry milliseconds
        reason = not_redrivable_reason(execution, now)
        if reason:
            raise ExecutionNotRedrivable(f"{reason}: '{execution_arn}'")
        state_name, state_input = _resume_point(execution)
        previous = execution.exec_worker
        count = getattr(execution, "_lab_redrive_count", 0) + 1
        execution._lab_redrive_count, execution._lab_redrive_date = count, now
        execution._lab_redrive_token = client_token
        execution.exec_status = ExecutionStatus.RUNNING
        execution.stop_date = execution.output = execution.error = execution.cause = None
        execution.exec_worker = RedriveWorker.following(previous, execution, state_name, state_input, count)
        execution.exec_worker.start()
    return now


def _make_worker_class():
    from moto.stepfunctions.parser.api import ExecutionRedrivenEventDetails, HistoryEventType
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    class Worker(ExecutionWorker):
        """An execution worker that carries on the previous attempt's history and starts at
        the state that failed, with the input that state was given."""

        @classmethod
        def following(cls, previous, execution, state_name: str, state_input: Any, count: int):
            previous._evaluation_details.execution_details.inpt = execution.input_data  # let go at close
            worker = cls(evaluation_details=previous._evaluation_details,
                         exec_comm=execution._get_start_execution_worker_comm(),
                         cloud_watch_logging_session=previous._cloud_watch_logging_session,
                         activity_store=previous._activity_store)
            worker._lab_previous = previous.env.event_manager
            worker._lab_resume = (state_name, state_input, count)
            return worker

        def _get_evaluation_entrypoint(self):
            definition = json.loads(self._evaluation_details.state_machine_details.definition)
            definition["StartAt"] = self._lab_resume[0]
            return AmazonStateLanguageParser.parse(json.dumps(definition))[0]

        def _execution_logic(self):
            state_name, state_input, count = self._lab_resume
            program = self._get_evaluation_entrypoint()
            self.env = self._get_evaluation_environment()
            self.env.states.context_object.context_object_data["Execution"]["RedriveCount"] = count
            self.env.states.reset(input_value=state_input)
            old = self._lab_previous.get_event_history()
            manager = self.env.event_manager
            manager._history_event_list.extend(old)
            manager._event_id_gen._next_id = len(old) + 1
            self.env.event_history_context.source_event_id = len(old)
            self.env.event_history_context.last_published_event_id = len(old)
            manager.add_event(
                context=self.env.event_history_context, event_type=HistoryEventType.ExecutionRedriven,
                event_details=EventDetails(executionRedrivenEventDetails=ExecutionRedrivenEventDetails(
                    redriveCount=count)),
                update_source_event_id=False)
            program.eval(self.env)
            self._execution_communication.terminated()

    return Worker


RedriveWorker: Any = None


def handle_request(request: Request) -> Response | None:
    """Answer RedriveExecution (moto has none); None for every other request."""
    if request.headers.get("X-Amz-Target") != "AWSStepFunctions.RedriveExecution":
        return None
    return _redrive_request(request)


def _backend(request: Request):
    from moto.stepfunctions.responses import get_backend

    return get_backend(*awsapi.caller_account_and_region(request))


def _redrive_request(request: Request) -> Response:
    try:
        body = json.loads(request.get_data() or b"{}")
    except ValueError:
        body = None
    arn = body.get("executionArn") if isinstance(body, dict) else None
    if not isinstance(arn, str) or not arn:
        error = _ValidationError("1 validation error detected: Value null at 'executionArn' failed to "
                                 "satisfy constraint: Member must not be null")
    else:
        try:
            date = redrive(_backend(request), arn, body.get("clientToken"))
            return Response(json.dumps({"redriveDate": date.timestamp()}), 200,
                            content_type="application/x-amz-json-1.0")
        except JsonRESTError as raised:
            error = raised
    return _error_response(error)


def install() -> None:
    """Add the redrive fields to moto's DescribeExecution and ListExecutions answers; once.
    (The speed path's DescribeExecution adds them itself, from ``redrive_fields``.)"""
    global _installed, RedriveWorker
    with _lock:
        if _installed:
            return
        from moto.stepfunctions.responses import StepFunctionResponse

        RedriveWorker = _make_worker_class()

        def describe_execution(self):
            result = moto_describe(self)
            execution = self.stepfunction_backend.describe_execution(result.result["executionArn"])
            result.result.update(redrive_fields(execution, describe=True))
            return result

        def list_executions(self):
            result = moto_list(self)
            backend = self.stepfunction_backend
            for item in result.result["executions"]:
                item.update(redrive_fields(backend.describe_execution(item["executionArn"]), describe=False))
            return result

        moto_describe = replace(StepFunctionResponse, "describe_execution", describe_execution)
        moto_list = replace(StepFunctionResponse, "list_executions", list_executions)
        _installed = True
