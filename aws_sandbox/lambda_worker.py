"""One Lambda execution environment for Python handlers, run by the sandbox's runtime.

The sandbox starts this file with the local interpreter, in the function's code directory and
environment. It imports the handler once (the cold start), then runs invocations one at a time.

Protocol, newline-delimited JSON (``json.dumps`` never writes a raw newline):
- stdin, from the sandbox: one invocation per line,
  ``{"id", "arn", "deadline_ms", "event": <JSON text>, "client_context": <JSON text or null>}``.
  End of stdin (the sandbox closed it or died) ends the worker at once.
- the response fd (number in ``_LAB_LAMBDA_RESPONSE_FD``), to the sandbox: first
  ``{"init": "ok"}`` or ``{"init": "error", "error": {...}}`` (and the worker exits), then one
  answer per invocation: ``{"payload": <JSON text>}`` or ``{"error": {...}}``; every message
  carries ``max_memory_mb``.
- stdout and stderr are the log pipe: whatever the handler prints or logs. Before each message the
  worker writes ``PHASE_END`` there, so the sandbox knows it has every log line of the phase.
"""
from __future__ import annotations

import decimal
import importlib
import json
import logging
import os
import queue
import resource
import sys
import threading
import time
import traceback

PHASE_END = b"\0LAB-LAMBDA-PHASE-END\0\n"
_request_id = ""


class LambdaContext:
    """The ``context`` argument, with the attributes and method AWS's Python runtime gives it."""

    def __init__(self, request: dict):
        self.aws_request_id = request["id"]
        self.invoked_function_arn = request["arn"]
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]  # a str on AWS too
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.client_context = json.loads(request["client_context"]) if request.get("client_context") else None
        self.identity = None
        self._deadline_ms = request["deadline_ms"]

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


class RuntimeFault(Exception):
    """An error the runtime reports with its own errorType (Runtime.ImportModuleError, ...)."""

    def __init__(self, error_type: str, message: str, stack: list[str] | None = None):
        super().__init__(message)
        self.error = make_error(message, error_type, stack or [])


def make_error(message: str, error_type: str, stack: list[str], request_id: str = "") -> dict:
    return {"errorMessage": message, "errorType": error_type, "requestId": request_id, "stackTrace": stack}


def load_handler(name: str):
    """Import the handler module as AWS's runtime does, with its error types and messages."""
    try:
        module_name, function_name = name.rsplit(".", 1)
    except ValueError as error:
        raise RuntimeFault("Runtime.MalformedHandlerName", f"Bad handler '{name}': {error}") from None
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as error:
        raise RuntimeFault("Runtime.ImportModuleError",
                           f"Unable to import module '{module_name}': {error}") from None
    except SyntaxError as error:
        trace = [f'  File "{error.filename}" Line {error.lineno}\n    {error.text}']
        raise RuntimeFault("Runtime.UserCodeSyntaxError",
                           f"Syntax error in module '{module_name}': {error}", trace) from None
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise RuntimeFault("Runtime.HandlerNotFound",
                           f"Handler '{function_name}' missing on module '{module_name}'") from None


def error_from_exception(error: BaseException, request_id: str = "") -> dict:
    """Lambda's error payload for an exception: its class name, message and the user's frames."""
    frames = traceback.extract_tb(error.__traceback__)
    while frames and frames[0].filename == __file__:
        frames.pop(0)
    return make_error(str(error), type(error).__name__, traceback.format_list(frames), request_id)


def log_error(error: dict) -> None:
    """Log an error as AWS's runtime does: one event, lines joined by \\r, indents as NBSP."""
    lines = [f"[ERROR] {error['errorType']}: {error['errorMessage']}"]
    if error["stackTrace"]:
        lines.append("Traceback (most recent call last):")
        for entry in error["stackTrace"]:
            for line in entry.splitlines():
                stripped = line.lstrip(" ")
                lines.append("\u00a0" * (len(line) - len(stripped)) + stripped)
    sys.stdout.write("\r".join(lines) + "\n")


def to_json(result) -> str:
    """Serialise a result as AWS's runtime does (Decimal allowed, as from DynamoDB); bytes are
    the payload as they are (AWS-recorded: a handler returning b'"HelloWorld!"' answers the
    13 bytes ``"HelloWorld!"``, one returning 257 KiB of bytes exceeds Step Functions' limit)."""
    if isinstance(result, (bytes, bytearray)):
        return bytes(result).decode("utf-8")

    def default(value):
        if isinstance(value, decimal.Decimal):
            return int(value) if value == value.to_integral_value() else float(value)
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

    ascii_only = os.environ.get("AWS_EXECUTION_ENV") != "AWS_Lambda_python3.12"
    return json.dumps(result, default=default, ensure_ascii=ascii_only)


def invoke(handler, request: dict) -> dict:
    global _request_id
    _request_id = request["id"]
    try:
        result = handler(json.loads(request["event"]), LambdaContext(request))
        try:
            return {"payload": to_json(result)}
        except (TypeError, ValueError) as error:
            raise RuntimeFault("Runtime.MarshalError", f"Unable to marshal response: {error}") from None
    except RuntimeFault as fault:
        error = dict(fault.error, requestId=request["id"])
    except Exception as exception:  # SystemExit and the like end the worker, as on AWS
        error = error_from_exception(exception, request["id"])
    log_error(error)
    return {"error": error}


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = _request_id
        return True


def setup_logging() -> None:
    """The root logger AWS's runtime installs: level WARNING, lines tagged with the request id."""
    sys.stdout.reconfigure(line_buffering=True)  # prints reach the log pipe even if we are killed
    logging.Formatter.converter = time.gmtime
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S"))
    handler.addFilter(RequestIdFilter())
    logging.getLogger().addHandler(handler)


def max_memory_mb() -> int:
    """Peak resident memory of this process since it started running this file."""
    try:  # Linux: VmHWM restarts at exec; ru_maxrss would include the sandbox that forked us
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // (1024 * 1024)  # bytes on macOS


def read_requests(requests: queue.Queue) -> None:
    """Hand stdin's lines to the main thread; end the process when the sandbox goes away."""
    for line in sys.stdin.buffer:
        requests.put(json.loads(line))
    os._exit(0)


def main() -> None:
    answers = os.fdopen(int(os.environ.pop("_LAB_LAMBDA_RESPONSE_FD")), "wb", buffering=0)

    def send(message: dict) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        os.write(1, PHASE_END)
        answers.write((json.dumps(dict(message, max_memory_mb=max_memory_mb())) + "\n").encode())

    requests: queue.Queue = queue.Queue()
    threading.Thread(target=read_requests, args=(requests,), daemon=True).start()
    sys.path[0] = os.environ["LAMBDA_TASK_ROOT"]  # not this file's folder: the function's code
    sys.dont_write_bytecode = True  # the task root stays as deployed (read-only on AWS)
    setup_logging()
    try:
        handler = load_handler(os.environ["_HANDLER"])
    except RuntimeFault as fault:
        error = fault.error
    except Exception as exception:
        error = error_from_exception(exception)
    else:
        send({"init": "ok"})
        while True:
            send(invoke(handler, requests.get()))
    log_error(error)
    send({"init": "error", "error": error})
    sys.exit(1)


def exit_now(code) -> None:
    """Leave as ``sys.exit(code)`` would, without the interpreter's shutdown: the stdin thread
    holds stdin's lock, and a shutdown that finds it held aborts the process (SIGABRT), so a
    handler's ``sys.exit(0)`` looked like a crash."""
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


if __name__ == "__main__":
    try:
        main()
    except SystemExit as leaving:  # from the handler or its module, or main's own after an init error
        exit_now(leaving.code)
