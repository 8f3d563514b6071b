"""The quote service of notebook 08: POST /quotes answered synchronously by an Express workflow.

    client --x-api-key--> API Gateway POST /quotes --StartSyncExecution--> quote workflow (EXPRESS)
        user + prices (parallel) -> shipping -> meter + audit (parallel) -> quote, or a refusal

Every call that reaches the workflow leaves one metering record (consumer = the API key's id,
status, request size, start and finish times) and one audit record, whatever its outcome.
The integration response turns a FAILED execution into a 422 (the service said no) or a 502
(a service broke), a TIMED_OUT one into a 504: never a 200 with an error inside.
The workflow logs every event to CloudWatch Logs (level ALL, with execution data): for an
Express workflow that log is the only history there is.
"""
from __future__ import annotations

import json
import math
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from . import apigateway
from .apigateway import Method, Response
from .apikeys import ensure_api_key, ensure_usage_plan
from .backend import arn, client, tags
from .config import names
from .dynamodb import ensure_table, from_dynamodb
from .iam import ensure_role, policy
from .lambdas import ensure_function
from .stepfunctions import ensure_state_machine, wait_for_execution

STAGE = "prod"
CONSUMERS = ("acme", "globex")  # one API key each; the metering records say who called
# Express: billed per request and per 100 ms of duration at 64 MB (design.md, us-east-1 prices).
BILLING_STEP_MS = 100
QUOTE_MODEL_NAME = "QuoteRequest"
QUOTE_MODEL: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": QUOTE_MODEL_NAME,
    "type": "object",
    "required": ["userId", "items", "country"],
    "properties": {
        "userId": {"type": "string", "minLength": 1, "maxLength": 128},
        "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
        "items": {
            "type": "array", "minItems": 1, "maxItems": 50,
            "items": {"type": "object", "required": ["productId", "quantity"],
                      "properties": {"productId": {"type": "string", "minLength": 1},
                                     "quantity": {"type": "integer", "minimum": 1}}},
        },
    },
}

# The execution input is a JSON *string*: the body is escaped into it (apostrophes un-escaped, as
# for orders), beside who called (the API key's id), the request id (also the execution name and
# the metering key) and the body's length.
START_QUOTE_TEMPLATE = r"""{
  "stateMachineArn": "%(state_machine_arn)s",
  "name": "$context.requestId",
  "input": "{\"request\": $util.escapeJavaScript($input.json('$'))%(unescape)s, \"consumer\": \"$context.identity.apiKeyId\", \"requestId\": \"$context.requestId\", \"requestBytes\": $input.body.length()}"
}"""  # noqa: E501 (a JSON string cannot be broken across lines)

# StartSyncExecution answers HTTP 200 whatever became of the execution: the status is in the body.
QUOTE_ANSWER_TEMPLATE = """#set($status = $input.path('$.status'))
#if($status == "SUCCEEDED")
$input.path('$.output')
#else
#set($error = $input.path('$.error'))
#if($status == "TIMED_OUT")
#set($context.responseOverride.status = 504)
{"message": "The quote took too long", "requestId": "$context.requestId"}
#elseif($error == "UserNotValid" || $error == "OutOfStock" || $error == "NotDeliverable")
#set($context.responseOverride.status = 422)
{"message": "$util.escapeJavaScript($input.path('$.cause'))%(unescape)s", "error": "$error", "requestId": "$context.requestId"}
#else
#set($context.responseOverride.status = 502)
{"message": "The quote service failed", "error": "$util.escapeJavaScript($error)", "requestId": "$context.requestId"}
#end
#end"""  # noqa: E501 (template lines)

START_REFUSED_TEMPLATE = '{"message": "The quote service is misconfigured", "requestId": "$context.requestId"}'
BACKEND_ERROR_TEMPLATE = '{"message": "The quote service is unavailable, please retry"}'


def quote_api_methods(state_machine_arn: str) -> list[Method]:
    """POST /quotes as data: key required, body validated, StartSyncExecution, three answers."""
    values = {"state_machine_arn": state_machine_arn, "unescape": apigateway.UNESCAPE_APOSTROPHE}
    return [Method("/quotes", "POST", "states:action/StartSyncExecution", START_QUOTE_TEMPLATE % values, [
        Response("200", QUOTE_ANSWER_TEMPLATE % values),
        Response("500", START_REFUSED_TEMPLATE, selection_pattern=r"4\d{2}"),
        Response("503", BACKEND_ERROR_TEMPLATE, selection_pattern=r"5\d{2}"),
    ], model=QUOTE_MODEL_NAME, validate=True, api_key_required=True)]


def quote_states_policy() -> dict[str, Any]:
    """The quote workflow: invoke its three services, write metering and audit, deliver its log."""
    n = names()
    services = (n.user_service, n.inventory_service, n.shipping_quote_service)
    functions = [arn("lambda", f"function:{f}") for f in services]
    tables = [arn("dynamodb", f"table/{t}") for t in (n.metering_table, n.audit_table)]
    # Log delivery is configured through these account-level actions, on "*" (AWS's documented policy).
    log_delivery = ["logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
                    "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy",
                    "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"]
    return policy((["lambda:InvokeFunction"], functions + [f"{f}:*" for f in functions]),
                  (["dynamodb:PutItem"], tables), (log_delivery, ["*"]))


def quote_apigateway_policy() -> dict[str, Any]:
    """The quotes API: run the one Express workflow synchronously, nothing else."""
    return policy((["states:StartSyncExecution"], [arn("states", f"stateMachine:{names().quote_workflow}")]))


def ensure_log_group(name: str) -> str:
    """Create the log group unless it exists; return its ARN in the form Step Functions takes (``:*``)."""
    logs = client("logs")
    try:
        logs.create_log_group(logGroupName=name, tags=tags())
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    return arn("logs", f"log-group:{name}:*")


def logging_configuration(log_group_arn: str, level: str = "ALL", include_data: bool = True) -> dict[str, Any]:
    """A state machine's ``loggingConfiguration``: which events (ALL, ERROR, FATAL) go to which group."""
    return {"level": level, "includeExecutionData": include_data,
            "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": log_group_arn}}]}


@dataclass
class QuoteService:
    """What ``ensure_quote_service`` made: the API, its keys by consumer, the two workflows."""

    api_id: str
    url: str
    express_arn: str
    standard_arn: str
    log_group: str
    api_keys: dict[str, str] = field(default_factory=dict)     # consumer -> key value (a secret)
    consumer_ids: dict[str, str] = field(default_factory=dict)  # key id -> consumer

    def headers(self, consumer: str) -> dict[str, str]:
        """The headers a consumer's client sends."""
        return {"x-api-key": self.api_keys[consumer]}


def quote_substitutions() -> dict[str, str]:
    n = names()
    lam = client("lambda")
    return {
        "UserServiceArn": lam.get_function_configuration(FunctionName=n.user_service)["FunctionArn"],
        "InventoryServiceArn": lam.get_function_configuration(FunctionName=n.inventory_service)["FunctionArn"],
        "ShippingServiceArn": lam.get_function_configuration(FunctionName=n.shipping_quote_service)["FunctionArn"],
        "MeteringTable": n.metering_table, "AuditTable": n.audit_table,
    }


def ensure_quote_service(lambda_role_arn: str) -> QuoteService:
    """Create or update everything notebook 08 builds (needs notebooks 01-03: roles, tables, services).

    >>> quotes = lab.ensure_quote_service(ws.roles["apicomp-lambda-role"])
    >>> quotes.url
    'http://127.0.0.1:4599/_aws/execute-api/<api id>/prod'
    """
    n = names()
    ensure_function(n.shipping_quote_service, source_dir="shipping_quote_service", role_arn=lambda_role_arn)
    ensure_table(n.metering_table, "requestId")
    states_role = ensure_role(n.quote_states_role, "states", inline_policy=quote_states_policy())
    apigw_role = ensure_role(n.quote_apigateway_role, "apigateway", inline_policy=quote_apigateway_policy())
    log_group_arn = ensure_log_group(n.quote_log_group)
    common = dict(asl_file="quote_workflow.json", substitutions=quote_substitutions(), role_arn=states_role)
    express_arn = ensure_state_machine(n.quote_workflow, type="EXPRESS", **common)
    _ensure_logging(express_arn, logging_configuration(log_group_arn))
    standard_arn = ensure_state_machine(n.quote_standard_workflow, type="STANDARD", **common)

    api_id = apigateway.ensure_rest_api(n.quotes_api, "API composition workshop: synchronous quotes")
    apigateway.ensure_model(api_id, QUOTE_MODEL_NAME, QUOTE_MODEL, "A quote request as POST /quotes accepts it")
    validator_id = apigateway.ensure_validator(api_id)
    methods = quote_api_methods(express_arn)
    resource_ids = apigateway.ensure_resources(api_id, [m.path for m in methods])
    for method in methods:
        apigateway.ensure_method(apigateway.method_requests(
            api_id, resource_ids[method.path], method, role_arn=apigw_role, validator_id=validator_id))
    client("apigateway").create_deployment(restApiId=api_id, stageName=STAGE,
                                           description="deployed by lab_helpers.ensure_quote_service")
    keys = {consumer: ensure_api_key(f"{n.prefix}-{consumer}") for consumer in CONSUMERS}
    ensure_usage_plan(f"{n.prefix}-quotes-plan", api_id=api_id, stage=STAGE,
                      key_ids=[key["id"] for key in keys.values()])
    return QuoteService(api_id=api_id, url=apigateway.invoke_url(api_id, STAGE), express_arn=express_arn,
                        standard_arn=standard_arn, log_group=n.quote_log_group,
                        api_keys={c: k["value"] for c, k in keys.items()},
                        consumer_ids={k["id"]: c for c, k in keys.items()})


def _ensure_logging(state_machine_arn: str, wanted: dict[str, Any]) -> None:
    sfn = client("stepfunctions")
    current = sfn.describe_state_machine(stateMachineArn=state_machine_arn).get("loggingConfiguration") or {}
    if current != wanted:
        sfn.update_state_machine(stateMachineArn=state_machine_arn, loggingConfiguration=wanted)


def sample_requests(count: int) -> list[tuple[str, dict[str, Any]]]:
    """``count`` (consumer, quote request) pairs, the same every time: acme asks for good quotes,
    globex also for a country we do not ship to (every 4th) and an out-of-stock grinder (every 6th)."""
    calls = []
    for i in range(count):
        consumer = CONSUMERS[i % 2]
        request = {"userId": f"user{100 + i % 7}", "country": ("DE", "FR", "US")[i % 3],
                   "items": [{"productId": "prod-1", "quantity": 1 + i % 3}, {"productId": "prod-2", "quantity": 1}]}
        if consumer == "globex" and i % 4 == 1:
            request["country"] = "BR"
        if consumer == "globex" and i % 6 == 3:
            request["items"] = [{"productId": "prod-3", "quantity": 1}]
        calls.append((consumer, request))
    return calls


def request_id_of(answer: Any) -> str | None:
    """The request id an answer of POST /quotes carries (a quote's ``quoteId``, a refusal's ``requestId``)."""
    body = answer.body if isinstance(answer.body, dict) else {}
    return body.get("quoteId") or body.get("requestId")


# -- reading what the calls left behind -------------------------------------------------------
def _epoch_ms(text: str) -> float:
    return pd.Timestamp(text).timestamp() * 1000


def metering_records(request_ids: list[str] | None = None) -> pd.DataFrame:
    """The metering table as a table, one row per call: consumer, status, latency in the workflow
    (finishedAt - startedAt), billed duration (rounded up to 100 ms), request size.
    ``request_ids`` keeps only those calls (e.g. this run's)."""
    dynamodb = client("dynamodb")
    rows = []
    wanted = set(request_ids) if request_ids is not None else None
    for page in dynamodb.get_paginator("scan").paginate(TableName=names().metering_table, ConsistentRead=True):
        for item in page["Items"]:
            record = from_dynamodb(item)
            if wanted is not None and record["requestId"] not in wanted:
                continue
            latency = _epoch_ms(record["finishedAt"]) - _epoch_ms(record["startedAt"])
            rows.append({"requestId": record["requestId"], "consumer": record["consumer"],
                         "status": int(record["status"]), "error": record["error"],
                         "latency_ms": latency,
                         "billed_ms": max(1, math.ceil(latency / BILLING_STEP_MS)) * BILLING_STEP_MS,
                         "requestBytes": int(record["requestBytes"]), "startedAt": record["startedAt"]})
    columns = ["requestId", "consumer", "status", "error", "latency_ms", "billed_ms", "requestBytes", "startedAt"]
    return pd.DataFrame(rows, columns=columns).sort_values(["startedAt", "requestId"]).reset_index(drop=True)


def usage_report(records: pd.DataFrame, consumer_names: dict[str, str] | None = None) -> pd.DataFrame:
    """Per consumer: calls, errors (status >= 400), p50/p95 latency, billed duration, bytes received.

    >>> lab.usage_report(lab.metering_records(ids), quotes.consumer_ids)
    """
    named = records.assign(consumer=records["consumer"].map(lambda c: (consumer_names or {}).get(c, c)))
    grouped = named.groupby("consumer")
    report = pd.DataFrame({
        "calls": grouped.size(),
        "errors": grouped["status"].apply(lambda s: int((s >= 400).sum())),
        "p50_ms": grouped["latency_ms"].quantile(0.5).round(1),
        "p95_ms": grouped["latency_ms"].quantile(0.95).round(1),
        "billed_s": (grouped["billed_ms"].sum() / 1000).round(1),
        "request_kb": (grouped["requestBytes"].sum() / 1024).round(2),
    })
    return report


def plot_usage(report: pd.DataFrame):
    """Calls and errors per consumer beside p50/p95 latency: the picture a billing team reads."""
    import matplotlib.pyplot as plt

    figure, (calls, latency) = plt.subplots(1, 2, figsize=(8, 2.8), dpi=90)
    ok = report["calls"] - report["errors"]
    calls.barh(report.index, ok, color="#4c9f70", label="answered (2xx)")
    calls.barh(report.index, report["errors"], left=ok, color="#d1495b", label="refused or failed (4xx/5xx)")
    calls.set_xlabel("calls")
    calls.legend(loc="lower right", fontsize=8)
    report[["p50_ms", "p95_ms"]].plot.barh(ax=latency, color=["#66a3d2", "#1f4e79"])
    latency.set_xlabel("latency in the workflow (ms)")
    latency.set_ylabel("")
    latency.legend(["p50", "p95"], fontsize=8)
    figure.suptitle("Metered usage per consumer", fontsize=10)
    figure.tight_layout()
    plt.close(figure)  # returned for display; not left open in pyplot's registry
    return figure


def execution_log(log_group: str, execution_name: str) -> pd.DataFrame:
    """One execution's events from its CloudWatch log (found by execution name, which the API sets
    to the request id): id, ms since its first event, type, state, detail, size of the record."""
    logs = client("logs")
    records = []
    for page in logs.get_paginator("filter_log_events").paginate(logGroupName=log_group):
        records.extend(e["message"] for e in page["events"])
    mine = sorted((json.loads(m) | {"bytes": len(m.encode())} for m in records
                   if f":{execution_name}:" in json.loads(m)["execution_arn"]), key=lambda e: int(e["id"]))
    if not mine:
        return pd.DataFrame(columns=["id", "elapsed_ms", "type", "state", "detail", "bytes"]).set_index("id")
    start = int(mine[0]["event_timestamp"])
    return pd.DataFrame([{
        "id": int(e["id"]), "elapsed_ms": int(e["event_timestamp"]) - start, "type": e["type"],
        "state": e["details"].get("name", ""),
        "detail": e["details"].get("error") or e["details"].get("resource", ""), "bytes": e["bytes"],
    } for e in mine]).set_index("id")


# -- Standard against Express ----------------------------------------------------------------
def workflow_input(request: dict[str, Any], consumer: str) -> tuple[str, str]:
    """(request id, execution input) as the API's template builds them, for direct calls."""
    request_id = str(uuid.uuid4())
    body = json.dumps(request)
    return request_id, json.dumps({"request": request, "consumer": consumer, "requestId": request_id,
                                   "requestBytes": len(body)})


def time_express(state_machine_arn: str, request: dict[str, Any], consumer: str) -> tuple[float, dict[str, Any]]:
    """One StartSyncExecution: (milliseconds until the answer, the answer)."""
    request_id, execution_input = workflow_input(request, consumer)
    started = time.perf_counter()
    answer = client("stepfunctions").start_sync_execution(
        stateMachineArn=state_machine_arn, name=request_id, input=execution_input)
    return (time.perf_counter() - started) * 1000, answer


def time_standard(state_machine_arn: str, request: dict[str, Any], consumer: str) -> tuple[float, dict[str, Any]]:
    """StartExecution, then DescribeExecution until it has finished: (milliseconds, description)."""
    request_id, execution_input = workflow_input(request, consumer)
    started = time.perf_counter()
    execution = client("stepfunctions").start_execution(
        stateMachineArn=state_machine_arn, name=request_id, input=execution_input)
    finished = wait_for_execution(execution["executionArn"])
    return (time.perf_counter() - started) * 1000, finished


# us-east-1 prices (design.md), in dollars
PRICES = {"rest_api_request": 3.50e-6, "express_request": 1.00e-6, "express_gb_second": 0.00001667,
          "standard_transition": 0.025e-3, "lambda_request": 0.20e-6, "lambda_gb_second": 0.0000166667,
          "dynamodb_write": 0.625e-6, "dynamodb_read": 0.125e-6, "logs_gb": 0.50}


def cost_per_million_quotes(*, express_billed_ms: float, standard_transitions: int,
                            log_bytes_per_call: float, lambda_ms: float = 10.0) -> pd.DataFrame:
    """What a million quotes cost on AWS, item by item, as Express (synchronous) and as Standard.

    Lambda duration is an assumption (``lambda_ms`` per call, 128 MB); the other inputs are measured:
    the billed duration of an Express call, the state transitions of a Standard one, and the size
    of an Express execution's log at level ALL (a Standard workflow keeps its history without one).
    """
    million = 1_000_000
    lambda_gb_s = 3 * lambda_ms / 1000 * 0.125
    shared = {
        "API Gateway REST requests": PRICES["rest_api_request"] * million,
        "Lambda: 3 requests": 3 * PRICES["lambda_request"] * million,
        f"Lambda: 3 x {lambda_ms:.0f} ms at 128 MB": lambda_gb_s * PRICES["lambda_gb_second"] * million,
        "DynamoDB: 2 writes (metering, audit)": 2 * PRICES["dynamodb_write"] * million,
        "DynamoDB: 2 product reads (0.5 RRU each)": 2 * 0.5 * PRICES["dynamodb_read"] * million,
    }
    express = {
        "Step Functions: requests": PRICES["express_request"] * million,
        "Step Functions: duration (64 MB)":
            express_billed_ms / 1000 * 64 / 1024 * PRICES["express_gb_second"] * million,
        "CloudWatch Logs (level ALL, with data)": log_bytes_per_call * million / 1e9 * PRICES["logs_gb"],
    }
    standard = {
        f"Step Functions: {standard_transitions} state transitions":
            standard_transitions * PRICES["standard_transition"] * million,
    }
    rows = [{"item": k, "Express $": v, "Standard $": v} for k, v in shared.items()]
    rows += [{"item": k, "Express $": v, "Standard $": 0.0} for k, v in express.items()]
    rows += [{"item": k, "Express $": 0.0, "Standard $": v} for k, v in standard.items()]
    table = pd.DataFrame(rows).set_index("item")
    table.loc["total per million quotes"] = table.sum()
    return table.round(2)
