"""Resident memory of the sandbox as orders accumulate: RSS after 1,000, 5,000 and 20,000 orders.

The workshop's stack and the order path of ``bench_orders`` (POST /orders until the workflow has
SUCCEEDED, 8 clients). Each finished order leaves an execution (with its history), an order and
an audit item in DynamoDB: what memory must hold and what it may drop (closed executions past
``LAB_SANDBOX_SFN_CLOSED_EXECUTIONS`` per state machine, oldest first). Target (issue 12):
at most 10 MB of resident memory per 1,000 finished orders. Prints RSS after warm-up and at
each mark, the growth per 1,000 orders, and the sandbox CPU per order.

    python bench/bench_memory.py            # marks at 1,000, 5,000 and 20,000 orders
    python bench/bench_memory.py --quick    # marks at 500, 1,000 and 2,000
"""
from __future__ import annotations

import os
import sys

import bench_orders
from common import cpu_seconds, own_sandbox, rss_mb

MARKS = (1_000, 5_000, 20_000)
QUICK_MARKS = (500, 1_000, 2_000)


def main(marks: tuple[int, ...] = MARKS) -> dict:
    with own_sandbox() as (endpoint, port):
        os.environ.update(AWS_ENDPOINT_URL=endpoint, LAB_BACKEND="sandbox")
        import lab_helpers as lab

        api_url = lab.ensure_workshop(upto=5).api_url
        warm_count = 2 * bench_orders.CLIENTS
        _, _, warm = bench_orders.run(endpoint, api_url, 0, warm_count)
        if warm != {"SUCCEEDED": warm_count}:
            raise SystemExit(f"warm-up orders did not all succeed: {warm}")
        base = rss_mb(port)
        print(f"RSS after warm-up ({warm_count} orders): {base:.0f} MB", flush=True)
        done, figures, outcomes, executions = 0, {}, {}, []
        cpu_before = cpu_seconds(port)
        for mark in marks:
            _, _, batch = bench_orders.run(endpoint, api_url, warm_count + done, mark - done,
                                           executions=executions)
            for outcome, count in batch.items():
                outcomes[outcome] = outcomes.get(outcome, 0) + count
            done = mark
            rss = figures[mark] = rss_mb(port)
            print(f"RSS after {mark:,} orders: {rss:.0f} MB ({(rss - base) / mark * 1000:.1f} MB per 1,000 "
                  f"orders over warm-up); sandbox CPU {(cpu_seconds(port) - cpu_before) / done * 1000:.1f} ms "
                  f"per order; outcomes {outcomes}", flush=True)
        # Near the oldest kept execution (past the cap of 10,000 the oldest *closed* are dropped, and
        # 8 clients close their orders a little out of start order) and the newest.
        kept = executions[-min(len(executions), 10_000 - 10 * bench_orders.CLIENTS)]
        for arn in (kept, executions[-1]):
            bench_orders.check_full_history(endpoint, arn)
        print("the oldest kept and the newest execution's histories are whole", flush=True)
    return {"warm_rss_mb": base, "rss_mb": figures, "outcomes": outcomes}


if __name__ == "__main__":
    main(QUICK_MARKS if "--quick" in sys.argv[1:] else MARKS)
