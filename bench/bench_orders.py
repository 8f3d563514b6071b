"""The recipe end to end: orders/s through POST /orders until each workflow has SUCCEEDED.

The workshop's own stack, deployed by ``lab_helpers.ensure_workshop`` on a sandbox of the
benchmark's own: POST /orders (request validator + StartExecution mapping template) starts the
order workflow (2 Lambda tasks, 2 Choices, a DynamoDB reservation, a Parallel saving the order
and its audit record). 8 clients, each: POST an order, then DescribeExecution after 50 ms and then
after 25 ms, 37 ms, 56 ms ... (at most 200 ms) until the execution ends. Target (design): at
least 100 orders/s on 2 cores.

    python bench/bench_orders.py [orders] [--scaling]   (default 600; --scaling: at 1, 4, 8, 16 and 32 clients)
"""
from __future__ import annotations

import os
import sys
import threading
import time

import requests
from common import client, cpu_seconds, own_cpu_seconds, own_sandbox, percentile, worker_cpu_seconds

CLIENTS = 8
# How a client waits, as the SDKs' waiters do: a first look after about one quiet-machine
# workflow, then further looks spaced out more and more, so that a slow sandbox (many clients)
# is not also polled more (fixed 50 ms polls made the benchmark's own DescribeExecution calls
# grow with latency, up to a fifth of the sandbox's work at 32 clients).
FIRST_POLL_SECONDS = float(os.environ.get("BENCH_FIRST_POLL_SECONDS", 0.05))
POLL_SECONDS, POLL_BACKOFF, POLL_MAX_SECONDS = 0.025, 1.5, 0.2


def order(number: int) -> dict:
    return {"orderId": f"bench-{number:06d}", "userId": "bench-user",
            "items": [{"productId": "prod-1", "quantity": 2}, {"productId": "prod-2", "quantity": 1}]}


def run(endpoint: str, api_url: str, first: int, count: int, clients: int = CLIENTS,
        executions: list[str] | None = None) -> tuple[float, list[float], dict[str, int]]:
    """POST ``count`` orders across ``clients`` clients; return (seconds, POST-to-end ms, outcome counts).
    The executions' ARNs are added to ``executions`` when it is given."""
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    lock = threading.Lock()
    numbers = iter(range(first, first + count))

    def one_client() -> None:
        http, sfn = requests.Session(), client(endpoint, "stepfunctions")
        while True:
            with lock:
                number = next(numbers, None)
            if number is None:
                return
            started = time.perf_counter()
            answer = http.post(f"{api_url}/orders", json=order(number), timeout=30)
            outcome = f"HTTP {answer.status_code}"
            if answer.status_code == 200:
                arn = answer.json()["executionArn"]
                if executions is not None:
                    executions.append(arn)
                time.sleep(FIRST_POLL_SECONDS)
                pause = POLL_SECONDS
                while (outcome := sfn.describe_execution(executionArn=arn)["status"]) == "RUNNING":
                    time.sleep(pause)
                    pause = min(pause * POLL_BACKOFF, POLL_MAX_SECONDS)
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1

    threads = [threading.Thread(target=one_client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, outcomes


SCALING = (1, 4, 8, 16, 32)


def check_full_history(endpoint: str, execution_arn: str) -> int:
    """Every event of the execution's history, page by page: ids 1..n, started to succeeded; return n."""
    pages = client(endpoint, "stepfunctions").get_paginator("get_execution_history")
    events = [event for page in pages.paginate(executionArn=execution_arn) for event in page["events"]]
    if [event["id"] for event in events] != list(range(1, len(events) + 1)) or \
            (events[0]["type"], events[-1]["type"]) != ("ExecutionStarted", "ExecutionSucceeded"):
        raise SystemExit(f"the history of {execution_arn} is not whole: {len(events)} events")
    return len(events)


def main(orders: int = 600, client_counts: tuple[int, ...] = (CLIENTS,)) -> dict:
    figures = {}
    with own_sandbox() as (endpoint, port):
        os.environ.update(AWS_ENDPOINT_URL=endpoint, LAB_BACKEND="sandbox")
        import lab_helpers as lab

        api_url = lab.ensure_workshop(upto=5).api_url
        _, _, warm = run(endpoint, api_url, 0, 2 * CLIENTS)  # Lambda workers started, templates compiled
        if warm != {"SUCCEEDED": 2 * CLIENTS}:
            raise SystemExit(f"warm-up orders did not all succeed: {warm}")
        first = 2 * CLIENTS
        executions: list[str] = []
        for clients in client_counts:
            before = cpu_seconds(port), worker_cpu_seconds(port), own_cpu_seconds()
            seconds, latencies, outcomes = run(endpoint, api_url, first, orders, clients, executions)
            after = cpu_seconds(port), worker_cpu_seconds(port), own_cpu_seconds()
            cpu_ms, workers_ms, clients_ms = ((b - a) / orders * 1000 for a, b in zip(before, after, strict=True))
            first += orders
            figures[clients] = {"orders_per_second": orders / seconds, "latencies_ms": latencies,
                                "outcomes": outcomes, "cpu_ms_per_order": cpu_ms,
                                "worker_cpu_ms_per_order": workers_ms, "client_cpu_ms_per_order": clients_ms}
            print(f"POST /orders -> workflow SUCCEEDED, {clients} clients: {orders / seconds:.1f} orders/s; "
                  f"latency p50 {percentile(latencies, 50):.0f} ms, p99 {percentile(latencies, 99):.0f} ms; "
                  f"CPU per order: sandbox {cpu_ms:.1f} ms, Lambda workers {workers_ms:.1f} ms, "
                  f"the benchmark's clients {clients_ms:.1f} ms; outcomes {outcomes}",
                  flush=True)
        sample = lab.get(f"{api_url}/orders/{order(2 * CLIENTS)['orderId']}/status").body
        lengths = {check_full_history(endpoint, arn) for arn in (executions[0], executions[-1])}
    print(f"a saved order reads {sample}; the first and last order's histories are whole "
          f"({', '.join(map(str, sorted(lengths)))} events)", flush=True)
    return figures


if __name__ == "__main__":
    arguments = [argument for argument in sys.argv[1:] if argument != "--scaling"]
    main(int(arguments[0]) if arguments else 600, SCALING if "--scaling" in sys.argv[1:] else (CLIENTS,))
