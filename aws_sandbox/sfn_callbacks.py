"""Wait-for-Callback tasks (``.waitForTaskToken``) as AWS ends them: four gaps in moto 5.2.5.

- A heartbeat that does not come in time fails the task with ``States.HeartbeatTimeout``; moto's
  heartbeat timeout is a ``TimeoutError`` and became ``States.Timeout``.
- With a heartbeat, an answer (SendTaskSuccess/Failure) that arrives while the task is still
  making its call (before it starts waiting) is kept; moto's wait missed it and timed the task out.
- ``SendTaskFailure``'s ``cause`` reaches the workflow; moto's response handler dropped it.
- ``apigateway:invoke.waitForTaskToken``: the sandbox's ``ApiGateway.<status>`` mapping of failed
  API calls (``stepfunctions._api_gateway_failure``) also swallowed the callback's own outcomes,
  so a SendTaskFailure error, a timeout or a heartbeat timeout became ``ApiGateway.<exception>``;
  those now end as for any other callback task (the error SendTaskFailure gave, ``States.Timeout``,
  ``States.HeartbeatTimeout``).
"""
from __future__ import annotations

from typing import Any

from .patching import replace

_installed = False


def install() -> None:
    """Apply the fixes (after ``stepfunctions.install``, whose API Gateway mapping they wrap)."""
    global _installed
    if _installed:
        return
    from moto.stepfunctions.parser.api import HistoryEventType, TaskTimedOutEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_api_gateway import (
        StateTaskServiceApiGateway,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (
        StateTaskServiceCallback,
    )
    from moto.stepfunctions.parser.asl.eval.callback.callback import (
        CallbackOutcomeFailureError,
        HeartbeatTimedOut,
        HeartbeatTimeoutError,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
    from moto.stepfunctions.responses import StepFunctionResponse

    def heartbeat_timed_out(env: Any) -> FailureEvent:
        return FailureEvent(
            env=env, error_name=StatesErrorName(typ=StatesErrorNameType.StatesHeartbeatTimeout),
            event_type=HistoryEventType.TaskTimedOut,
            event_details=EventDetails(taskTimedOutEventDetails=TaskTimedOutEventDetails(
                error=StatesErrorNameType.StatesHeartbeatTimeout.to_name())))

    callback_from_error = StateTaskServiceCallback._from_error  # moto's (failure outcomes, then the rest)

    def from_error(self: Any, env: Any, ex: Exception) -> FailureEvent:
        if isinstance(ex, HeartbeatTimeoutError):
            return heartbeat_timed_out(env)
        return callback_from_error(self, env, ex)

    replace(StateTaskServiceCallback, "_from_error", from_error)

    def wait_with_heartbeat(self: Any, env: Any, callback_endpoint: Any, heartbeat_endpoint: Any) -> Any:
        # moto's loop, but the outcome is looked at before each wait, not only after a heartbeat.
        outcome = callback_endpoint.get_outcome()
        while env.is_running() and outcome is None:
            received = heartbeat_endpoint.clear_and_wait()
            outcome = callback_endpoint.get_outcome()
            if outcome is None and not received and env.is_running():
                outcome = HeartbeatTimedOut()
        return outcome

    replace(StateTaskServiceCallback, "_wait_for_task_token_heartbeat", wait_with_heartbeat)

    api_gateway_from_error = StateTaskServiceApiGateway._from_error  # the sandbox's ApiGateway.<status>

    def api_gateway_or_callback(self: Any, env: Any, ex: Exception) -> FailureEvent:
        if isinstance(ex, (CallbackOutcomeFailureError, TimeoutError)):
            return from_error(self, env, ex)
        return api_gateway_from_error(self, env, ex)

    replace(StateTaskServiceApiGateway, "_from_error", api_gateway_or_callback)

    def send_task_failure(self: Any) -> Any:
        from moto.core.responses import EmptyResult

        self.stepfunction_backend.send_task_failure(
            self._get_param("taskToken"), error=self._get_param("error"), cause=self._get_param("cause"))
        return EmptyResult()

    replace(StepFunctionResponse, "send_task_failure", send_task_failure)
    _installed = True
