"""Step Functions' terminal errors: ``States.ALL`` catches neither ``States.DataLimitExceeded``
nor ``States.Runtime``.

moto's interpreter already raises ``States.DataLimitExceeded`` when a Task's result or a state's
output exceeds 256 KiB, but its ``States.ALL`` matched every error, so a Catch or Retry on
``States.ALL`` caught it (and ``States.Runtime``) and the workflow carried on. AWS documents both
as terminal for ``States.ALL``: the execution fails. A Catch naming the error explicitly still
matches it, as in moto.
"""
from __future__ import annotations

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    from moto.stepfunctions.parser.asl.component.common.error_name.error_equals_decl import ErrorEqualsDecl
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )

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

    ErrorEqualsDecl._eval_body = _eval_body
    _installed = True
