"""Lambda's concurrency rules: who may run now, and who AWS would throttle.

On AWS an invocation needs one unit of concurrency. A function with reserved concurrency has
exactly that many units of its own; every other function shares the account's concurrency
(1,000 by default) less all reservations (the "unreserved" pool, which PutFunctionConcurrency
keeps at 100 or more). A synchronous call that finds no unit free is throttled at once with a
429 ``TooManyRequestsException`` whose ``Reason`` says which limit was hit; asynchronous events
wait (Lambda retries them internally). How many worker *processes* the sandbox runs is a separate
matter (``lambda_runtime.Pool``): a call admitted here but finding every worker busy waits for one.
"""
from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass

from moto.awslambda.exceptions import LambdaClientError

ACCOUNT_CONCURRENCY_ENV = "LAB_LAMBDA_ACCOUNT_CONCURRENCY"


def account_concurrency() -> int:
    return int(os.environ.get(ACCOUNT_CONCURRENCY_ENV, "1000"))


class TooManyRequestsException(LambdaClientError):
    code = 429

    def __init__(self, reserved: bool):
        super().__init__("TooManyRequestsException", "Rate Exceeded.")
        reason = ("ReservedFunctionConcurrentInvocationLimitExceeded" if reserved
                  else "ConcurrentInvocationLimitExceeded")
        self.description = json.dumps({"Reason": reason, "Type": "User", "message": "Rate Exceeded."})

    def get_headers(self, *args, **kwargs) -> list[tuple[str, str]]:
        return super().get_headers() + [("Retry-After", "1")]


@dataclass(frozen=True)
class Ticket:
    """One unit of concurrency held by one invocation; handed back to ``Concurrency.leave``."""

    region_key: tuple[str, str]
    function: str
    unreserved: bool


class Concurrency:
    """In-flight invocations per account and region, against AWS's two limits."""

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self.per_function: dict[tuple[str, str, str], int] = {}
        self.unreserved: dict[tuple[str, str], int] = {}

    def enter(self, account_id: str, region: str, function: str, reserved: int | None,
              reserved_elsewhere: int, *, wait: bool) -> Ticket:
        """Take a unit for ``function``, or raise 429 (``wait``: block until one is free).

        ``reserved`` is the function's own reservation (None: it draws on the unreserved pool);
        ``reserved_elsewhere`` the sum of the other functions' reservations in the region.
        """
        region_key = (account_id, region)
        function_key = (account_id, region, function)
        with self.condition:
            while True:
                if reserved is not None:
                    free = self.per_function.get(function_key, 0) < reserved
                else:
                    pool = account_concurrency() - reserved_elsewhere
                    free = self.unreserved.get(region_key, 0) < pool
                if free:
                    break
                if not wait or reserved == 0:  # a reservation of 0 never admits anything
                    raise TooManyRequestsException(reserved is not None)
                self.condition.wait()
            self.per_function[function_key] = self.per_function.get(function_key, 0) + 1
            if reserved is None:
                self.unreserved[region_key] = self.unreserved.get(region_key, 0) + 1
        return Ticket(region_key, function, reserved is None)

    def leave(self, ticket: Ticket) -> None:
        function_key = (*ticket.region_key, ticket.function)
        with self.condition:
            self.per_function[function_key] -= 1
            if ticket.unreserved:
                self.unreserved[ticket.region_key] -= 1
            self.condition.notify_all()

    def in_flight(self, account_id: str, region: str, function: str) -> int:
        with self.condition:
            return self.per_function.get((account_id, region, function), 0)

    def total(self) -> int:
        with self.condition:
            return sum(self.per_function.values())


def reservations(backend, function: str) -> tuple[int | None, int]:
    """(the function's reserved concurrency or None, the sum reserved by the region's others)."""
    own: int | None = None
    others = 0
    for fn in backend.list_functions():  # the $LATEST of each: reservations are per function
        if fn.reserved_concurrency is None:
            continue
        if fn.function_name == function:
            own = int(fn.reserved_concurrency)
        else:
            others += int(fn.reserved_concurrency)
    return own, others
