"""Delete everything the workshop created on the active backend, and check that nothing is left.

What is the kit's: a resource whose name starts with ``<prefix>-`` (every name in
``config.Names`` does, and so should every name a notebook makes up), or one tagged
``lab-prefix=<prefix>`` (``backend.tags()``; the Resource Groups Tagging API finds those in one
call on AWS). Nothing else is touched: another team's table, or another learner's prefix, stays.

The services are visited in dependency order, each as a ``Kind`` (how to list it, how to delete
one): stop running executions and delete state machines first (they call functions and tables),
then alarms and dashboards, usage plans before the API keys and APIs they name, EventBridge
rules before their buses, functions before their log groups (a running function would recreate
its group), tables, queues and topics, and the IAM roles and policies everything else used last.
A new kind of resource a notebook creates gets one ``Kind`` here, and cleanup and the check both
find it.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from collections.abc import Callable, Iterable, Iterator

from botocore.exceptions import ClientError

from .backend import WORKSHOP_TAG, client
from .config import settings

# A resource that is already gone is what we wanted.
GONE = {"NotFoundException", "ResourceNotFoundException", "NoSuchEntity", "StateMachineDoesNotExist",
        "ExecutionDoesNotExist", "ActivityDoesNotExist", "NotFound", "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist", "NoSuchBucket", "ResourceNotFound"}
# AWS allows one DeleteRestApi every 30 seconds per account: wait for it rather than fail.
THROTTLED = {"TooManyRequestsException", "ThrottlingException", "Throttling"}
THROTTLE_WAIT_SECONDS = 120.0
PREFIX_TAG = "lab-prefix"


@dataclass(frozen=True)
class Found:
    """One resource of some kind: its name, its ARN (when it has one), what ``delete`` needs, and
    its tags when the list call returns them (API Gateway's do)."""

    name: str
    arn: str | None = None
    key: Any = None
    tags: dict[str, str] | None = None


@dataclass(frozen=True)
class Kind:
    """One kind of resource: how to list every one of them, and how to delete one."""

    label: str
    find: Callable[[], Iterable[Found]]
    delete: Callable[[Found], None]
    # for kinds whose deletion takes a while on AWS: False once it is under way
    live: Callable[[Found], bool] | None = None


def is_kit_name(name: str, prefix: str) -> bool:
    """``apicomp-orders`` and ``/aws/lambda/apicomp-user-service`` are the kit's; ``apicompx`` is not."""
    return any(part.startswith(f"{prefix}-") for part in name.split("/"))


# --- listing and deleting, one service at a time -----------------------------------------------
def _pages(service: str, operation: str, key: str, **kwargs: Any) -> Iterator[Any]:
    api = client(service)
    if api.can_paginate(operation):
        for page in api.get_paginator(operation).paginate(**kwargs):
            yield from page.get(key, [])
    else:
        yield from getattr(api, operation)(**kwargs).get(key, [])


def _state_machines() -> Iterator[Found]:
    for machine in _pages("stepfunctions", "list_state_machines", "stateMachines"):
        yield Found(machine["name"], machine["stateMachineArn"], machine.get("type", "STANDARD"))


def _machine_live(machine: Found) -> bool:
    """A deleted state machine is listed as DELETING until its executions have stopped (AWS)."""
    try:
        return client("stepfunctions").describe_state_machine(stateMachineArn=machine.arn).get("status") != "DELETING"
    except ClientError as error:
        if error.response["Error"]["Code"] in GONE:
            return False
        raise


def _stop_running_executions(machine: Found) -> list[str]:
    """Stop what still runs (Standard machines; Express executions cannot be listed or stopped)."""
    sfn = client("stepfunctions")
    if machine.key == "EXPRESS":
        return []
    stopped = []
    for execution in _pages("stepfunctions", "list_executions", "executions",
                            stateMachineArn=machine.arn, statusFilter="RUNNING"):
        _call(lambda arn=execution["executionArn"]: sfn.stop_execution(
            executionArn=arn, error="Cleanup", cause="stopped by lab.delete_everything()"))
        stopped.append(f"execution {execution['name']} (stopped)")
    return stopped


def _usage_plans() -> Iterator[Found]:
    region = settings().region
    for plan in _pages("apigateway", "get_usage_plans", "items"):
        yield Found(plan["name"], f"arn:aws:apigateway:{region}::/usageplans/{plan['id']}", plan,
                    plan.get("tags"))


def _delete_usage_plan(plan: Found) -> None:
    """Detach its API stages and keys first: AWS refuses to delete a plan still bound to a stage."""
    apigw = client("apigateway")
    stages = [f"{s['apiId']}:{s['stage']}" for s in plan.key.get("apiStages", [])]
    if stages:
        apigw.update_usage_plan(usagePlanId=plan.key["id"], patchOperations=[
            {"op": "remove", "path": "/apiStages", "value": stage} for stage in stages])
    for key in _pages("apigateway", "get_usage_plan_keys", "items", usagePlanId=plan.key["id"]):
        _call(lambda k=key["id"]: apigw.delete_usage_plan_key(usagePlanId=plan.key["id"], keyId=k))
    apigw.delete_usage_plan(usagePlanId=plan.key["id"])


def _api_keys() -> Iterator[Found]:
    region = settings().region
    for key in _pages("apigateway", "get_api_keys", "items"):
        yield Found(key.get("name", key["id"]), f"arn:aws:apigateway:{region}::/apikeys/{key['id']}", key["id"],
                    key.get("tags"))


def _rest_apis() -> Iterator[Found]:
    region = settings().region
    for api in _pages("apigateway", "get_rest_apis", "items"):
        yield Found(api["name"], f"arn:aws:apigateway:{region}::/restapis/{api['id']}", api["id"],
                    api.get("tags"))


def _http_apis() -> Iterator[Found]:
    region = settings().region
    for api in _pages("apigatewayv2", "get_apis", "Items"):
        yield Found(api["Name"], f"arn:aws:apigateway:{region}::/apis/{api['ApiId']}", api["ApiId"],
                    api.get("Tags"))


def _event_buses() -> Iterator[Found]:
    for bus in _pages("events", "list_event_buses", "EventBuses"):
        if bus["Name"] != "default":
            yield Found(bus["Name"], bus["Arn"], bus["Name"])


def _rules() -> Iterator[Found]:
    buses = ["default", *(bus.name for bus in _event_buses())]
    for bus in buses:
        for rule in _pages("events", "list_rules", "Rules", EventBusName=bus):
            yield Found(rule["Name"], rule["Arn"], bus)


def _delete_rule(rule: Found) -> None:
    events = client("events")
    targets = [t["Id"] for t in _pages("events", "list_targets_by_rule", "Targets",
                                       Rule=rule.name, EventBusName=rule.key)]
    if targets:
        events.remove_targets(Rule=rule.name, EventBusName=rule.key, Ids=targets, Force=True)
    events.delete_rule(Name=rule.name, EventBusName=rule.key, Force=True)


def _functions() -> Iterator[Found]:
    for function in _pages("lambda", "list_functions", "Functions"):
        yield Found(function["FunctionName"], function["FunctionArn"], function["FunctionName"])


def _delete_function(function: Found) -> None:
    lam = client("lambda")
    for mapping in _pages("lambda", "list_event_source_mappings", "EventSourceMappings",
                          FunctionName=function.name):
        _call(lambda uuid=mapping["UUID"]: lam.delete_event_source_mapping(UUID=uuid))
    lam.delete_function(FunctionName=function.name)


def _alarms() -> Iterator[Found]:
    api = client("cloudwatch")
    for page in api.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm", "CompositeAlarm"]):
        for alarm in page.get("MetricAlarms", []) + page.get("CompositeAlarms", []):
            yield Found(alarm["AlarmName"], alarm["AlarmArn"], alarm["AlarmName"])


def _dashboards() -> Iterator[Found]:
    for board in _pages("cloudwatch", "list_dashboards", "DashboardEntries"):
        yield Found(board["DashboardName"], board.get("DashboardArn"), board["DashboardName"])


def _topics() -> Iterator[Found]:
    for topic in _pages("sns", "list_topics", "Topics"):
        yield Found(topic["TopicArn"].rsplit(":", 1)[1], topic["TopicArn"], topic["TopicArn"])


def _queues() -> Iterator[Found]:
    for url in _pages("sqs", "list_queues", "QueueUrls"):
        yield Found(url.rstrip("/").rsplit("/", 1)[1], None, url)


def _log_groups() -> Iterator[Found]:
    for group in _pages("logs", "describe_log_groups", "logGroups"):
        yield Found(group["logGroupName"], group.get("arn", "").removesuffix(":*") or None, group["logGroupName"])


def _tables() -> Iterator[Found]:
    for name in _pages("dynamodb", "list_tables", "TableNames"):
        yield Found(name, None, name)


def _delete_table(table: Found) -> None:
    client("dynamodb").delete_table(TableName=table.name)
    if settings().backend == "aws":  # deletion takes a moment there; the check must not see it
        client("dynamodb").get_waiter("table_not_exists").wait(TableName=table.name)


def _buckets() -> Iterator[Found]:
    for bucket in client("s3").list_buckets().get("Buckets", []):
        yield Found(bucket["Name"], f"arn:aws:s3:::{bucket['Name']}", bucket["Name"])


def _delete_bucket(bucket: Found) -> None:
    s3 = client("s3")
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket.name):
        objects = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if objects:
            s3.delete_objects(Bucket=bucket.name, Delete={"Objects": objects})
    s3.delete_bucket(Bucket=bucket.name)


def _roles() -> Iterator[Found]:
    for role in _pages("iam", "list_roles", "Roles"):
        yield Found(role["RoleName"], role["Arn"], role["RoleName"])


def _delete_role(role: Found) -> None:
    iam = client("iam")
    name = role.name
    for policy_name in _pages("iam", "list_role_policies", "PolicyNames", RoleName=name):
        iam.delete_role_policy(RoleName=name, PolicyName=policy_name)
    for attached in _pages("iam", "list_attached_role_policies", "AttachedPolicies", RoleName=name):
        iam.detach_role_policy(RoleName=name, PolicyArn=attached["PolicyArn"])
    for profile in _pages("iam", "list_instance_profiles_for_role", "InstanceProfiles", RoleName=name):
        iam.remove_role_from_instance_profile(InstanceProfileName=profile["InstanceProfileName"], RoleName=name)
    iam.delete_role(RoleName=name)


def _policies() -> Iterator[Found]:
    for policy in _pages("iam", "list_policies", "Policies", Scope="Local"):
        yield Found(policy["PolicyName"], policy["Arn"], policy["Arn"])


def _delete_policy(policy: Found) -> None:
    iam = client("iam")
    arn = policy.arn
    for role in _pages("iam", "list_entities_for_policy", "PolicyRoles", PolicyArn=arn):
        iam.detach_role_policy(RoleName=role["RoleName"], PolicyArn=arn)
    for version in _pages("iam", "list_policy_versions", "Versions", PolicyArn=arn):
        if not version["IsDefaultVersion"]:
            iam.delete_policy_version(PolicyArn=arn, VersionId=version["VersionId"])
    iam.delete_policy(PolicyArn=arn)


def kinds() -> list[Kind]:
    """Every kind of resource the kit may create, in the order they must be deleted."""
    sfn, apigw, events, cw = (client(s) for s in ("stepfunctions", "apigateway", "events", "cloudwatch"))
    return [
        Kind("state machine", _state_machines, lambda m: sfn.delete_state_machine(stateMachineArn=m.arn),
             live=_machine_live),
        Kind("activity", lambda: (Found(a["name"], a["activityArn"]) for a in
                                  _pages("stepfunctions", "list_activities", "activities")),
             lambda a: sfn.delete_activity(activityArn=a.arn)),
        Kind("alarm", _alarms, lambda a: cw.delete_alarms(AlarmNames=[a.key])),
        Kind("dashboard", _dashboards, lambda d: cw.delete_dashboards(DashboardNames=[d.key])),
        Kind("usage plan", _usage_plans, _delete_usage_plan),
        Kind("API key", _api_keys, lambda k: apigw.delete_api_key(apiKey=k.key)),
        Kind("REST API", _rest_apis, lambda a: apigw.delete_rest_api(restApiId=a.key)),
        Kind("HTTP API", _http_apis, lambda a: client("apigatewayv2").delete_api(ApiId=a.key)),
        Kind("EventBridge rule", _rules, _delete_rule),
        Kind("event bus", _event_buses, lambda b: events.delete_event_bus(Name=b.key)),
        Kind("function", _functions, _delete_function),
        Kind("topic", _topics, lambda t: client("sns").delete_topic(TopicArn=t.key)),
        Kind("queue", _queues, lambda q: client("sqs").delete_queue(QueueUrl=q.key)),
        Kind("log group", _log_groups, lambda g: client("logs").delete_log_group(logGroupName=g.key)),
        Kind("table", _tables, _delete_table),
        Kind("bucket", _buckets, _delete_bucket),
        Kind("role", _roles, _delete_role),
        Kind("policy", _policies, _delete_policy),
    ]


# --- what is the kit's ---------------------------------------------------------------------------
def tagged_arns(prefix: str) -> set[str]:
    """ARNs the Resource Groups Tagging API lists with ``workshop`` and ``lab-prefix=<prefix>``."""
    tagging = client("resourcegroupstaggingapi")
    found: set[str] = set()
    filters = [{"Key": WORKSHOP_TAG[0], "Values": [WORKSHOP_TAG[1]]}, {"Key": PREFIX_TAG, "Values": [prefix]}]
    for page in tagging.get_paginator("get_resources").paginate(TagFilters=filters):
        found.update(item["ResourceARN"] for item in page.get("ResourceTagMappingList", []))
    return found


def _owned(kind: Kind, prefix: str, tagged: set[str], api_ids: set[str]) -> list[Found]:
    """The resources of ``kind`` that are the kit's (by name, by tag, or by the API they log for)."""
    mine = []
    for found in kind.find():
        if (is_kit_name(found.name, prefix) or (found.arn and found.arn in tagged)
                or (found.tags or {}).get(PREFIX_TAG) == prefix
                or (kind.label == "log group" and _logs_of_api(found.name, api_ids))):
            if kind.live is None or kind.live(found):
                mine.append(found)
    return mine


def _logs_of_api(group: str, api_ids: set[str]) -> bool:
    # API Gateway names execution-log groups after the API's id, not its name.
    return any(group.startswith(f"API-Gateway-Execution-Logs_{api_id}/") for api_id in api_ids)


def _call(call: Callable[[], Any]) -> bool:
    """Run one delete; False when the resource was already gone; throttling is waited out."""
    deadline = time.monotonic() + THROTTLE_WAIT_SECONDS
    pause = 1.0
    while True:
        try:
            call()
            return True
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code in GONE:
                return False
            if code in THROTTLED and time.monotonic() < deadline:
                time.sleep(pause)
                pause = min(pause * 2, 16.0)
                continue
            raise


def delete_everything(prefix: str | None = None, *, quiet: bool = False) -> list[str]:
    """Delete every resource of ``prefix`` (default: this learner's) in dependency order, printing
    each as it goes; return what was deleted. Resources that are not the kit's are never touched.

    >>> deleted = lab.delete_everything()
    deleted state machine apicomp-order-workflow
    ...
    """
    prefix = prefix or settings().prefix
    tagged = tagged_arns(prefix)
    deleted: list[str] = []
    api_ids: set[str] = set()
    for kind in kinds():
        for found in _owned(kind, prefix, tagged, api_ids):
            if kind.label == "state machine":
                stopped = _stop_running_executions(found)
                deleted += stopped
            if kind.label == "REST API":
                api_ids.add(found.key)
            if _call(lambda k=kind, f=found: k.delete(f)):
                deleted.append(f"{kind.label} {found.name}")
                if not quiet:
                    print(f"deleted {kind.label} {found.name}")
    return deleted


def kit_resources(prefix: str | None = None) -> dict[str, list[str]]:
    """The kit's resources of ``prefix`` that exist now, by kind: one list call per service, then
    the Resource Groups Tagging API as a second opinion (ARNs of anything still tagged). Before
    cleanup it is what will go; after it every list is empty.

    >>> lab.kit_resources()["table"]
    ['apicomp-audit', 'apicomp-orders', 'apicomp-products', 'apicomp-reservations']
    """
    prefix = prefix or settings().prefix
    tagged = tagged_arns(prefix)
    found = {kind.label: sorted(f.name for f in _owned(kind, prefix, tagged, set())) for kind in kinds()}
    found["tagging API"] = sorted(tagged)
    return found
