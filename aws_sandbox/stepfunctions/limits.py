"""Step Functions' payload limits, as AWS applies them.

- At the start (``check_start_input``, called by ``request_validation``): the model bounds
  ``input`` to 262,144 *characters*; AWS's limit is 256 KiB of UTF-8, and the input must be JSON.
  Without this moto accepted such a start and the execution failed later
  (``States.DataLimitExceeded``), or answered with no error type at all: the order was lost,
  where AWS refuses the StartExecution with a 400 and nothing starts.
- In flight (``install_terminal_errors``, installed by ``moto_patches``): moto's interpreter
  already raises ``States.DataLimitExceeded`` when a Task's result or a state's output exceeds
  256 KiB, but its ``States.ALL`` matched every error, so a Catch or Retry on ``States.ALL``
  caught it (and ``States.Runtime``) and the workflow carried on. AWS documents both as terminal
  for ``States.ALL``: the execution fails. A Catch naming the error explicitly still matches it.
"""
from __future__ import annotations

from typing import Any

from ..patching import replace
from ..request_errors import Invalid
from .control_plane import execution_input_error

MAX_INPUT_BYTES = 256 * 1024
STARTS = frozenset({"StartExecution", "StartSyncExecution"})


def check_start_input(operation: str, document: dict[str, Any]) -> None:
    """Raise ``Invalid`` for a start whose input AWS refuses."""
    if operation not in STARTS or document.get("input") is None:
        return
    text = document["input"]
    if len(text.encode("utf-8", "surrogatepass")) > MAX_INPUT_BYTES:
        raise Invalid("ValidationException", "1 validation error detected: Value at 'input' failed to satisfy "
                      f"constraint: Member must have length less than or equal to {MAX_INPUT_BYTES}")
    if (message := execution_input_error(text)) is not None:
        raise Invalid("InvalidExecutionInput", message)


def install_terminal_errors() -> None:
    """``States.ALL`` no longer matches ``States.DataLimitExceeded`` or ``States.Runtime``."""
    from moto.stepfunctions.parser.asl.component.common.error_name.error_equals_decl import ErrorEqualsDecl
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )

    if getattr(ErrorEqualsDecl._eval_body, "_lab_terminal", False):
        return
    terminal = {StatesErrorNameType.StatesStatesDataLimitExceeded, StatesErrorNameType.StatesRuntime}
    wildcard = StatesErrorName(typ=StatesErrorNameType.StatesALL)
    moto_eval_body = ErrorEqualsDecl._eval_body

    def _eval_body(self, env) -> None:
        error_name = env.stack[-1]
        if (isinstance(error_name, StatesErrorName) and error_name.typ in terminal
                and wildcard in self.error_names):
            env.stack.pop()
            env.stack.append(False)  # not caught, not retried: the execution fails
            return
        moto_eval_body(self, env)

    _eval_body._lab_terminal = True
    replace(ErrorEqualsDecl, "_eval_body", _eval_body)
