"""lab.delete_everything(): the kit's resources go, in dependency order; nobody else's do."""
from __future__ import annotations

import json

import pytest

import lab_helpers as lab
from lab_helpers import cleanup

PREFIX = "cltest"
WAIT_FOREVER = {"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 3600, "End": True}}}


@pytest.fixture(scope="module")
def kit(lab_env):
    """The workshop of PREFIX, plus one of each kind later notebooks add, plus foreign resources."""
    ws = lab.ensure_workshop(upto=5)
    sns, sqs, cw, logs, apigw, events, ddb, sfn = (lab.client(s) for s in (
        "sns", "sqs", "cloudwatch", "logs", "apigateway", "events", "dynamodb", "stepfunctions"))
    topic = sns.create_topic(Name=f"{PREFIX}-alarms")["TopicArn"]
    sqs.create_queue(QueueName=f"{PREFIX}-alarm-inbox")
    cw.put_metric_alarm(AlarmName=f"{PREFIX}-failed-orders", Namespace="AWS/States",
                        MetricName="ExecutionsFailed", Statistic="Sum", Period=60, EvaluationPeriods=1,
                        Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold", AlarmActions=[topic])
    cw.put_dashboard(DashboardName=f"{PREFIX}-orders", DashboardBody=json.dumps({"widgets": []}))
    logs.create_log_group(logGroupName=f"/aws/vendedlogs/states/{PREFIX}-order-workflow")
    logs.create_log_group(logGroupName=f"API-Gateway-Execution-Logs_{ws.api_id}/prod")
    key = apigw.create_api_key(name="learner-key", enabled=True, tags=lab.tags())["id"]  # found by its tag
    plan = apigw.create_usage_plan(name=f"{PREFIX}-plan", apiStages=[{"apiId": ws.api_id, "stage": "prod"}])["id"]
    apigw.create_usage_plan_key(usagePlanId=plan, keyId=key, keyType="API_KEY")
    events.put_rule(Name=f"{PREFIX}-order-events", EventPattern=json.dumps({"source": ["orders"]}))
    events.put_targets(Rule=f"{PREFIX}-order-events", Targets=[{"Id": "topic", "Arn": topic}])
    waiting = lab.ensure_state_machine(f"{PREFIX}-waits", asl_file="order_workflow.json",
                                       substitutions=lab.workflow_substitutions(),
                                       role_arn=ws.roles[f"{PREFIX}-states-role"])
    sfn.update_state_machine(stateMachineArn=waiting, definition=json.dumps(WAIT_FOREVER))
    sfn.start_execution(stateMachineArn=waiting, name="still-running", input="{}")
    # Not the kit's: other names, a look-alike prefix, another learner's tag.
    foreign = {
        "table": "other-team-orders",
        "queue": f"{PREFIX}x-queue",
        "topic": "other-team-topic",
        "log group": "/other-team/app",
    }
    ddb.create_table(TableName=foreign["table"], BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])
    sqs.create_queue(QueueName=foreign["queue"])
    sns.create_topic(Name=foreign["topic"], Tags=[{"Key": "lab-prefix", "Value": "someone-else"}])
    logs.create_log_group(logGroupName=foreign["log group"])
    return foreign


def test_everything_of_the_kit_goes_and_nothing_else(kit):
    before = lab.kit_resources()
    assert before["table"] == [f"{PREFIX}-audit", f"{PREFIX}-orders", f"{PREFIX}-products", f"{PREFIX}-reservations"]
    assert before["API key"] == ["learner-key"] and before["queue"] == [f"{PREFIX}-alarm-inbox"]

    deleted = lab.delete_everything(quiet=True)

    # dependency order: running work stopped, then its machine; stages and keys before the API;
    # functions before log groups; roles last
    order = [entry.split(" ", 1)[0] + " " + entry.split(" ")[1] for entry in deleted]
    assert deleted.index("execution still-running (stopped)") < deleted.index(f"state machine {PREFIX}-waits")
    assert deleted.index(f"usage plan {PREFIX}-plan") < deleted.index("API key learner-key")
    assert deleted.index("API key learner-key") < deleted.index(f"REST API {PREFIX}-orders-api")
    assert deleted.index(f"function {PREFIX}-user-service") < deleted.index(
        f"log group /aws/vendedlogs/states/{PREFIX}-order-workflow")
    assert "log group API-Gateway-Execution-Logs_" in " ".join(deleted)
    assert all(entry.startswith("role ") for entry in deleted[-3:]), order
    assert {f"alarm {PREFIX}-failed-orders", f"dashboard {PREFIX}-orders", f"topic {PREFIX}-alarms",
            f"EventBridge rule {PREFIX}-order-events", f"table {PREFIX}-orders"} <= set(deleted)

    assert all(not names for names in lab.kit_resources().values()), lab.kit_resources()
    assert lab.delete_everything(quiet=True) == []  # a second run finds nothing to do

    assert kit["table"] in [t for page in lab.client("dynamodb").get_paginator("list_tables").paginate()
                            for t in page["TableNames"]]
    assert any(url.endswith(kit["queue"]) for url in lab.client("sqs").list_queues(
        QueueNamePrefix=kit["queue"])["QueueUrls"])
    assert any(t["TopicArn"].endswith(kit["topic"])
               for page in lab.client("sns").get_paginator("list_topics").paginate() for t in page["Topics"])
    assert kit["log group"] in [g["logGroupName"] for g in lab.client("logs").describe_log_groups(
        logGroupNamePrefix=kit["log group"])["logGroups"]]


@pytest.mark.parametrize("name, mine", [
    (f"{PREFIX}-orders", True), (f"/aws/lambda/{PREFIX}-user-service", True),
    (f"{PREFIX}x-orders", False), (f"other-{PREFIX}-orders", False), (PREFIX, False)])
def test_kit_names_are_the_prefix_and_a_dash(name, mine):
    assert cleanup.is_kit_name(name, PREFIX) is mine
