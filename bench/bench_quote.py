"""The synchronous quote of notebook 08: POST /quotes through API Gateway, StartSyncExecution of the
Express quote workflow (user and prices in parallel, shipping, metering and audit), one client at a
time (target: median under 100 ms). Also checks that the metering table holds exactly one record per
call, and reports the latency the workflow itself measured (finishedAt - startedAt of each record).
"""
from __future__ import annotations

import os
import statistics
import time

from common import cpu_seconds, own_sandbox, rss_mb, summary


def main(calls: int = 300, warm_up: int = 10) -> dict:
    with own_sandbox() as (endpoint, port):
        os.environ.update(AWS_ENDPOINT_URL=endpoint, LAB_BACKEND="sandbox", LAB_PREFIX="bench")
        import requests

        import lab_helpers as lab

        ws = lab.ensure_workshop(upto=3)
        quotes = lab.ensure_quote_service(ws.roles["bench-lambda-role"])
        session = requests.Session()  # a client keeps its connection, as a browser or SDK does
        request = {"userId": "user456", "country": "DE",
                   "items": [{"productId": "prod-1", "quantity": 2}, {"productId": "prod-2", "quantity": 1}]}
        for _ in range(warm_up):  # the three functions' cold starts are not what is measured
            session.post(f"{quotes.url}/quotes", json=request, headers=quotes.headers("acme"), timeout=30)
        before = len(lab.metering_records())
        cpu_before, rss_before = cpu_seconds(port), rss_mb(port)
        latencies, ids = [], []
        for _ in range(calls):
            started = time.perf_counter()
            answer = session.post(f"{quotes.url}/quotes", json=request, headers=quotes.headers("acme"), timeout=30)
            latencies.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, (answer.status_code, answer.text)
            ids.append(answer.json()["quoteId"])
        cpu_ms = (cpu_seconds(port) - cpu_before) * 1000 / calls
        rss_growth = rss_mb(port) - rss_before
        records = lab.metering_records(ids)
        exactly_once = len(records) == calls == len(set(ids)) and len(lab.metering_records()) - before == calls
    median = statistics.median(latencies)
    verdict = "met" if median < 100 else "NOT met"
    print(f"POST /quotes, 1 client: {summary(latencies)} -> target < 100 ms median: {verdict}")
    print(f"inside the workflow (metering records): median {records['latency_ms'].median():.1f} ms")
    print(f"sandbox CPU: {cpu_ms:.1f} ms per quote (its Lambda workers not counted); "
          f"resident memory {rss_growth:+.1f} MB over the {calls} quotes")
    print(f"metering records: {len(records)} for {calls} calls -> exactly one per call: {exactly_once}")
    return {"latency_ms": latencies, "exactly_once": exactly_once}


if __name__ == "__main__":
    main()
