"""Step Functions' checks of an execution's input that need more than the service model.

The model bounds ``input`` to 262,144 *characters*; AWS's limit is 256 KiB of UTF-8, and the input
must be JSON. Without these checks moto accepted such a start and the execution failed later
(``States.DataLimitExceeded``), or answered with no error type at all: the order was lost, where
AWS refuses the StartExecution with a 400 and nothing starts.
"""
from __future__ import annotations

import json
from typing import Any

from .request_validation import Invalid

MAX_INPUT_BYTES = 256 * 1024
STARTS = frozenset({"StartExecution", "StartSyncExecution"})


def check(operation: str, document: dict[str, Any]) -> None:
    if operation not in STARTS or document.get("input") is None:
        return
    text = document["input"]
    if len(text.encode("utf-8", "surrogatepass")) > MAX_INPUT_BYTES:
        raise Invalid("ValidationException", "1 validation error detected: Value at 'input' failed to satisfy "
                      f"constraint: Member must have length less than or equal to {MAX_INPUT_BYTES}")
    try:
        json.loads(text)
    except (ValueError, RecursionError) as error:
        raise Invalid("InvalidExecutionInput", f"Invalid State Machine Execution Input: '{error}'") from None
