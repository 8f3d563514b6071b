"""Step Functions execution logs in CloudWatch Logs, in AWS's event format.

A state machine created with a ``loggingConfiguration`` (level ALL, ERROR or FATAL, one
CloudWatch Logs destination, ``includeExecutionData``) writes its execution history to that
log group. For Express workflows that log is the only record there is: AWS keeps no history
of them, so DescribeExecution and GetExecutionHistory refuse their ARNs.

moto 5.2.5 carries LocalStack's logging code but never switches it on (its StartExecution
passes no logging session), and that code hands moto's logs backend objects it cannot store.
``install()`` gives every execution of a machine with logging configured a session of its own
that writes AWS's format. One event per line, as AWS records it (LocalStack's AWS-validated
snapshots, ``tests/aws/services/stepfunctions/v2/logs/test_logs.snapshot.json``)::

    {"id": "1", "type": "ExecutionStarted",
     "details": {"input": "{...}", "inputDetails": {"truncated": false}, "roleArn": "..."},
     "previous_event_id": "0", "event_timestamp": "1717615626123",
     "execution_arn": "arn:aws:states:...:express:machine:name:uuid", "redrive_count": "0"}

Level ERROR keeps only failure events, FATAL only the execution's own failure; without
``includeExecutionData`` the ``input``/``output`` fields (and their details) are left out.
A log group that does not exist receives nothing (AWS's delivery is best effort).
"""
from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from typing import Any

from .patching import replace

_installed = False
_lock = threading.Lock()  # moto's log streams are not thread safe; Parallel branches log at once


def stream_name(state_machine_name: str, started: dt.datetime) -> str:
    """``states/{machine}/{YYYY-MM-DD-HH-MM}/{8 hex}``: one stream per execution here."""
    return f"states/{state_machine_name}/{started:%Y-%m-%d-%H-%M}/{uuid.uuid4().hex[:8]}"


def log_record(history_log: dict[str, Any]) -> tuple[int, str]:
    """(epoch milliseconds, message) of one history event, in AWS's field order and types."""
    moment = history_log["event_timestamp"]
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment.replace("Z", "+00:00"))
    epoch_ms = int(moment.timestamp() * 1000)
    record = {
        "id": str(history_log["id"]),
        "type": str(getattr(history_log["type"], "value", history_log["type"])),  # an Enum in moto
        "details": history_log.get("details") or {},
        "previous_event_id": str(history_log["previous_event_id"]),
        "event_timestamp": str(epoch_ms),
        "execution_arn": history_log["execution_arn"],
        "redrive_count": "0",
    }
    return epoch_ms, json.dumps(record, default=str, ensure_ascii=False)


def install() -> None:
    """Attach a logging session to every execution whose state machine has logging configured."""
    global _installed
    with _lock:
        if _installed:
            return
        from moto.stepfunctions.parser.asl.eval.event.logging import (
            CloudWatchLoggingConfiguration,
            CloudWatchLoggingSession,
        )
        from moto.stepfunctions.parser.backend.execution import Execution

        class AwsFormatSession(CloudWatchLoggingSession):
            """moto's session (level filter, includeExecutionData), writing AWS's records."""

            def __init__(self, execution_arn: str, configuration: Any, machine_name: str,
                         started: dt.datetime):
                super().__init__(execution_arn, configuration)
                self.stream = stream_name(machine_name, started)
                self._stream_ready = False

            def publish_history_log(self, history_log: Any) -> None:
                epoch_ms, message = log_record(history_log)
                backend = self._logs_client
                group = self.configuration.log_group_name
                with _lock:
                    if group not in backend.groups:
                        return
                    if not self._stream_ready:
                        backend.ensure_log_stream(group, self.stream)
                        self._stream_ready = True
                    backend.groups[group].put_log_events(self.stream, [{"timestamp": epoch_ms, "message": message}])

        moto_init = Execution.__init__

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            moto_init(self, *args, **kwargs)
            if self._cloud_watch_logging_session is not None:
                return
            settings = getattr(self.state_machine, "loggingConfiguration", None) or {}
            if str(settings.get("level", "OFF")).upper() == "OFF":
                return
            configuration = CloudWatchLoggingConfiguration.from_logging_configuration(
                state_machine_arn=self.state_machine.arn,
                logging_configuration={"includeExecutionData": False, **settings})
            if configuration is not None:
                self._cloud_watch_logging_session = AwsFormatSession(
                    self.exec_arn, configuration, self.state_machine.name, self.start_date)

        replace(Execution, "__init__", __init__)
        _installed = True
