"""The AWS services the sandbox serves straight from moto answer for any region and credentials."""
from __future__ import annotations

import json

import boto3
import pytest
from botocore.config import Config


@pytest.fixture(params=[("eu-central-1", "AKIDEXAMPLE", "secret"), ("ap-southeast-2", "anything", "at-all")])
def client_in(request, sandbox):
    region, key, secret = request.param

    def make(service: str):
        return boto3.client(service, endpoint_url=sandbox, region_name=region, aws_access_key_id=key,
                            aws_secret_access_key=secret, config=Config(inject_host_prefix=False))
    return make


def test_sts_answers_with_an_account(client_in):
    assert client_in("sts").get_caller_identity()["Account"].isdigit()


def test_logs_cloudwatch_sns_events_answer(client_in):
    logs = client_in("logs")
    logs.create_log_group(logGroupName="/workshop/test")
    assert any(g["logGroupName"] == "/workshop/test" for g in logs.describe_log_groups()["logGroups"])

    cloudwatch = client_in("cloudwatch")
    cloudwatch.put_metric_data(Namespace="Workshop", MetricData=[{"MetricName": "Orders", "Value": 3}])
    assert cloudwatch.list_metrics(Namespace="Workshop")["Metrics"][0]["MetricName"] == "Orders"

    sns = client_in("sns")
    topic = sns.create_topic(Name="order-events")["TopicArn"]
    assert sns.publish(TopicArn=topic, Message=json.dumps({"orderId": "o-1"}))["MessageId"]

    events = client_in("events")
    answer = events.put_events(Entries=[{"Source": "workshop.orders", "DetailType": "OrderPlaced",
                                         "Detail": json.dumps({"orderId": "o-1"})}])
    assert answer["FailedEntryCount"] == 0


def test_iam_attaches_aws_managed_policies(aws):
    iam = aws("iam")
    iam.create_role(RoleName="managed-policy-check", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                       "Action": "sts:AssumeRole"}]}))
    iam.attach_role_policy(RoleName="managed-policy-check",
                           PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    attached = iam.list_attached_role_policies(RoleName="managed-policy-check")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AWSLambdaBasicExecutionRole"]
