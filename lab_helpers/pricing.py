"""AWS prices as data (us-east-1, on-demand, before free tiers), and what a run costs with them.

Prices change: every figure carries the page it was read from and the date it was checked.
Costs are computed from what actually ran (state transitions counted in the execution
histories, Lambda durations from CloudWatch, requests counted), never from guesses.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

CHECKED = "2026-11"
REGION = "us-east-1"


@dataclass(frozen=True)
class Price:
    item: str
    usd: float
    per: float  # units the price is for (1,000 transitions, 1 million requests, 1 GB-second...)
    unit: str
    source: str
    free_tier: str = ""


PRICES: dict[str, Price] = {p.item: p for p in [
    Price("Step Functions Standard: state transitions", 0.025, 1_000, "state transitions",
          "https://aws.amazon.com/step-functions/pricing/", "4,000 a month"),
    Price("Step Functions Express: requests", 1.00, 1_000_000, "executions",
          "https://aws.amazon.com/step-functions/pricing/"),
    Price("Step Functions Express: duration", 0.00001667, 1, "GB-seconds (64 MB, 100 ms steps)",
          "https://aws.amazon.com/step-functions/pricing/", "first 1,000 GB-hours a month at this rate"),
    Price("API Gateway REST API: requests", 3.50, 1_000_000, "requests",
          "https://aws.amazon.com/api-gateway/pricing/", "first 333 million a month at this rate"),
    Price("API Gateway HTTP API: requests", 1.00, 1_000_000, "requests",
          "https://aws.amazon.com/api-gateway/pricing/", "first 300 million a month at this rate"),
    Price("Lambda (x86): requests", 0.20, 1_000_000, "requests", "https://aws.amazon.com/lambda/pricing/",
          "1 million a month"),
    Price("Lambda (x86): duration", 0.0000166667, 1, "GB-seconds", "https://aws.amazon.com/lambda/pricing/",
          "400,000 GB-seconds a month"),
    Price("DynamoDB on demand: writes", 0.625, 1_000_000, "write request units",
          "https://aws.amazon.com/dynamodb/pricing/on-demand/"),
    Price("DynamoDB on demand: reads", 0.125, 1_000_000, "read request units",
          "https://aws.amazon.com/dynamodb/pricing/on-demand/"),
    Price("CloudWatch Logs: ingestion", 0.50, 1, "GB", "https://aws.amazon.com/cloudwatch/pricing/", "5 GB a month"),
    Price("CloudWatch: standard-resolution alarm", 0.10, 1, "alarm-months",
          "https://aws.amazon.com/cloudwatch/pricing/", "10 alarms a month"),
    Price("CloudWatch: dashboard", 3.00, 1, "dashboard-months", "https://aws.amazon.com/cloudwatch/pricing/",
          "3 dashboards a month"),
]}


def price_table() -> pd.DataFrame:
    """The prices, their units, free tiers and source pages, as one dated table."""
    return pd.DataFrame([{"item": p.item, "USD": p.usd, "per": f"{p.per:,.0f} {p.unit}", "free tier": p.free_tier,
                          "source": p.source} for p in PRICES.values()]).set_index("item").rename_axis(
        f"{REGION}, checked {CHECKED}")


def cost(item: str, quantity: float) -> float:
    """USD for ``quantity`` units of a priced item (before free tiers).

    >>> lab.cost("Step Functions Standard: state transitions", 12_000)
    0.3
    """
    price = PRICES[item]
    return round(quantity / price.per * price.usd, 10)


def lambda_gb_seconds(duration_ms: float, memory_mb: int) -> float:
    """Lambda bills each invocation's duration rounded up to the millisecond, times its memory."""
    return math.ceil(duration_ms) / 1000 * memory_mb / 1024


def express_gb_seconds(duration_ms: float, memory_mb: float = 64) -> float:
    """Express bills each execution in 100 ms steps of duration and 64 MB steps of memory."""
    billed_ms = max(1, math.ceil(duration_ms / 100)) * 100
    billed_mb = max(1, math.ceil(memory_mb / 64)) * 64
    return billed_ms / 1000 * billed_mb / 1024


@dataclass(frozen=True)
class OrderUsage:
    """What one order uses, counted from a real run."""

    api_requests: float = 1.0          # POST /orders
    state_transitions: float = 0.0     # from GetExecutionHistory (StateEntered events)
    lambda_requests: float = 0.0
    lambda_gb_seconds: float = 0.0
    write_units: float = 0.0           # DynamoDB writes of up to 1 KB
    read_units: float = 0.0            # strongly consistent reads of up to 4 KB
    express_duration_ms: float = 0.0   # the workflow's duration, were it an Express workflow


def order_costs(usage: OrderUsage) -> pd.DataFrame:
    """USD per million orders, by item, for the order workflow as Standard and as Express."""
    million = 1_000_000
    shared = {
        "API Gateway REST API: requests": cost("API Gateway REST API: requests", usage.api_requests * million),
        "Lambda (x86): requests": cost("Lambda (x86): requests", usage.lambda_requests * million),
        "Lambda (x86): duration": cost("Lambda (x86): duration", usage.lambda_gb_seconds * million),
        "DynamoDB on demand: writes": cost("DynamoDB on demand: writes", usage.write_units * million),
        "DynamoDB on demand: reads": cost("DynamoDB on demand: reads", usage.read_units * million),
    }
    standard = {"Step Functions Standard: state transitions":
                cost("Step Functions Standard: state transitions", usage.state_transitions * million)}
    express = {
        "Step Functions Express: requests": cost("Step Functions Express: requests", million),
        "Step Functions Express: duration": cost("Step Functions Express: duration",
                                                 express_gb_seconds(usage.express_duration_ms) * million),
    }
    rows = [{"item": k, "Standard": v, "Express": v} for k, v in shared.items()]
    rows += [{"item": k, "Standard": v, "Express": 0.0} for k, v in standard.items()]
    rows += [{"item": k, "Standard": 0.0, "Express": v} for k, v in express.items()]
    return pd.DataFrame(rows).set_index("item").round(2)
