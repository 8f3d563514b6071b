"""The Lambda worker pool and concurrency rules in-process, with fake workers and a fake clock:
what they decide does not depend on how fast the machine is."""
from __future__ import annotations

import threading

import pytest

from aws_sandbox import lambda_runtime
from aws_sandbox.lambda_concurrency import Concurrency, TooManyRequestsException
from tests.sandbox.test_lambda_support import wait_for

SPEC = lambda_runtime.FunctionSpec(
    account_id="123456789012", region="us-east-1", name="fn", version="$LATEST", runtime="python3.12",
    handler="app.handler", timeout=3.0, memory_size=128, environment=(), code_sha256="x", role="r")


class FakeProcess:
    """A process that, like a real one right after SIGKILL, still looks alive until it is reaped."""

    def __init__(self) -> None:
        self.signalled = False

    def poll(self):
        return None  # the kill has not been delivered yet

    def kill(self) -> None:
        self.signalled = True


class FakeWorker(lambda_runtime.Worker):
    def __init__(self, fn, spec) -> None:  # no process, no pipes
        self.spec = spec
        self.process = FakeProcess()
        self.closed = False
        self.last_used = 0.0

    def close(self) -> None:
        self.closed = True


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def new_pool(**kwargs) -> lambda_runtime.Pool:
    """A pool of fake workers with a budget of its own (room for every test's processes)."""
    budget = lambda_runtime.ProcessBudget(pools=lambda: [], limit=lambda: 100)
    return lambda_runtime.Pool(start_worker=FakeWorker, budget=budget, **kwargs)


def test_a_killed_worker_is_never_handed_out_again_even_before_it_has_exited():
    pool = new_pool()
    timed_out = pool.acquire(None, SPEC, workers=2, deadline=None)
    pool.release(timed_out, healthy=False)  # a timeout or a crash
    assert timed_out.process.signalled and timed_out.closed
    assert pool.acquire(None, SPEC, workers=2, deadline=None) is not timed_out


def test_a_worker_killed_while_busy_by_a_reset_is_not_kept():
    pool = new_pool()
    worker = pool.acquire(None, SPEC, workers=2, deadline=None)
    worker.kill()  # shutdown_all_workers kills busy workers from another thread
    pool.release(worker, healthy=True)
    assert worker.closed and pool.idle == []


def test_a_healthy_worker_is_reused():
    pool = new_pool()
    worker = pool.acquire(None, SPEC, workers=2, deadline=None)
    pool.release(worker, healthy=True)
    assert pool.acquire(None, SPEC, workers=2, deadline=None) is worker


def test_past_the_worker_bound_a_call_waits_for_a_released_worker():
    pool = new_pool()
    first = pool.acquire(None, SPEC, workers=1, deadline=None)
    got: list = []
    waiter = threading.Thread(target=lambda: got.append(pool.acquire(None, SPEC, workers=1, deadline=None)))
    waiter.start()
    wait_for(lambda: waiter.is_alive() and pool.busy == 1)
    assert got == []  # still waiting: the one worker is busy
    pool.release(first, healthy=True)
    waiter.join(timeout=30)
    assert got == [first]


def test_the_wait_is_bounded_by_its_deadline():
    clock = FakeClock()
    pool = new_pool(clock=clock)
    pool.acquire(None, SPEC, workers=1, deadline=None)
    with pytest.raises(lambda_runtime.QueueTimeout) as caught:
        pool.acquire(None, SPEC, workers=1, deadline=clock.now)  # the deadline has come
    assert caught.value.code == 429


def test_a_reset_wakes_the_waiting_calls_with_an_error():
    pool = new_pool()
    pool.acquire(None, SPEC, workers=1, deadline=None)
    errors: list = []

    def wait():
        try:
            pool.acquire(None, SPEC, workers=1, deadline=None)
        except lambda_runtime.WorkersStopped as error:
            errors.append(error)

    waiter = threading.Thread(target=wait)
    waiter.start()
    pool.close()
    waiter.join(timeout=30)
    assert len(errors) == 1


def test_idle_workers_are_reaped_after_the_idle_time_on_the_pools_clock():
    clock = FakeClock()
    pool = new_pool(clock=clock)
    old, recent = (pool.acquire(None, SPEC, workers=2, deadline=None) for _ in range(2))
    pool.release(old, healthy=True)
    clock.now += 200
    pool.release(recent, healthy=True)
    clock.now += 150
    pool.reap_idle(older_than=clock.now - 300)
    assert old.closed and not recent.closed and pool.idle == [recent]


def test_reserved_concurrency_and_the_account_limit_throttle_at_once():
    concurrency = Concurrency()
    account = ("123456789012", "us-east-1")
    reserved = concurrency.enter(*account, "reserved", 1, 0, wait=False)
    with pytest.raises(TooManyRequestsException) as caught:
        concurrency.enter(*account, "reserved", 1, 0, wait=False)
    assert "ReservedFunctionConcurrentInvocationLimitExceeded" in caught.value.description
    concurrency.leave(reserved)
    concurrency.enter(*account, "reserved", 1, 0, wait=False)  # free again

    # The unreserved pool is the account's 1,000 less what others reserve (here 998).
    tickets = [concurrency.enter(*account, "plain", None, 998, wait=False) for _ in range(2)]
    with pytest.raises(TooManyRequestsException) as caught:
        concurrency.enter(*account, "other", None, 998, wait=False)
    assert "ConcurrentInvocationLimitExceeded" in caught.value.description
    assert concurrency.enter("210987654321", "us-east-1", "other", None, 998, wait=False)  # per account
    concurrency.leave(tickets[0])
    assert concurrency.enter(*account, "other", None, 998, wait=False)


def test_event_invocations_wait_for_concurrency_instead_of_failing():
    concurrency = Concurrency()
    held = concurrency.enter("a", "r", "fn", 1, 0, wait=False)
    entered: list = []
    waiter = threading.Thread(target=lambda: entered.append(concurrency.enter("a", "r", "fn", 1, 0, wait=True)))
    waiter.start()
    wait_for(lambda: waiter.is_alive())
    assert entered == []
    concurrency.leave(held)
    waiter.join(timeout=30)
    assert len(entered) == 1


def test_past_the_process_budget_the_oldest_idle_worker_of_any_function_makes_room():
    pools: list = []
    budget = lambda_runtime.ProcessBudget(pools=lambda: pools, limit=lambda: 2)
    clock = FakeClock()
    first, second = (lambda_runtime.Pool(start_worker=FakeWorker, clock=clock, budget=budget) for _ in range(2))
    pools.extend([first, second])
    old = first.acquire(None, SPEC, workers=2, deadline=None)
    first.release(old, healthy=True)
    clock.now += 10
    busy = second.acquire(None, SPEC, workers=2, deadline=None)
    assert budget.live == 2
    another = second.acquire(None, SPEC, workers=2, deadline=None)  # a third process: the idle one goes
    assert old.closed and first.idle == [] and budget.live == 2
    assert not busy.closed and not another.closed


def test_when_every_process_is_busy_a_new_one_waits_for_one_to_be_released():
    pools: list = []
    budget = lambda_runtime.ProcessBudget(pools=lambda: pools, limit=lambda: 1)
    first, second = (lambda_runtime.Pool(start_worker=FakeWorker, budget=budget) for _ in range(2))
    pools.extend([first, second])
    held = first.acquire(None, SPEC, workers=2, deadline=None)
    got: list = []
    waiter = threading.Thread(target=lambda: got.append(second.acquire(None, SPEC, workers=2, deadline=None)))
    waiter.start()
    wait_for(lambda: second.busy == 1)
    assert got == []  # the one process is busy
    first.release(held, healthy=True)  # idle now: the waiting call closes it and starts its own
    waiter.join(timeout=30)
    assert len(got) == 1 and held.closed and budget.live == 1


def test_the_wait_for_a_process_is_bounded_too():
    clock = FakeClock()
    budget = lambda_runtime.ProcessBudget(pools=lambda: [], limit=lambda: 1, clock=clock)
    pool = lambda_runtime.Pool(start_worker=FakeWorker, clock=clock, budget=budget)
    pool.acquire(None, SPEC, workers=5, deadline=None)
    with pytest.raises(lambda_runtime.QueueTimeout):
        pool.acquire(None, SPEC, workers=5, deadline=clock.now)
    assert pool.busy == 1 and budget.live == 1  # the refused call holds nothing
