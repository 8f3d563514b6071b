"""Executions/s of an order-shaped workflow on the sandbox's Step Functions (not a test).

The machine has 8 states: 2 Lambda tasks (real handler code in the sandbox's Lambda runtime),
a Choice, a Parallel of two DynamoDB PutItem branches and a DynamoDB UpdateItem (3 writes).
8 threads, each with its own boto3 client, StartExecution then poll DescribeExecution every
50 ms until the execution ends. Prints executions/s and p50/p99 start-to-end latency.

    python bench/bench_workflow.py [executions]   (default 400)
"""
from __future__ import annotations

import io
import json
import sys
import threading
import time
import uuid
import zipfile

from common import client, cpu_seconds, own_sandbox, percentile

CLIENTS = 8
POLL_SECONDS = 0.05
ROLE_NAME = "bench-workflow"
USER_SERVICE = "def handler(event, context):\n    return {'valid': event['userId'].startswith('u'), 'tier': 'gold'}\n"
INVENTORY_SERVICE = "def handler(event, context):\n    return {'reserved': True, 'sku': event['sku']}\n"


def definition(user_arn: str, inventory_arn: str) -> dict:
    key = {"orderId": {"S.$": "$.orderId"}}
    return {"StartAt": "ValidateUser", "States": {
        "ValidateUser": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                         "Parameters": {"FunctionName": user_arn, "Payload.$": "$"},
                         "ResultSelector": {"valid.$": "$.Payload.valid"}, "ResultPath": "$.user",
                         "Next": "CheckUser"},
        "CheckUser": {"Type": "Choice", "Default": "Rejected",
                      "Choices": [{"Variable": "$.user.valid", "BooleanEquals": True, "Next": "ReserveStock"}]},
        "ReserveStock": {"Type": "Task", "Resource": inventory_arn, "ResultPath": "$.stock", "Next": "Record"},
        "Record": {"Type": "Parallel", "ResultPath": None, "Next": "MarkConfirmed", "Branches": [
            {"StartAt": "PutOrder", "States": {"PutOrder": {
                "Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "End": True,
                "Parameters": {"TableName": "bench-orders",
                               "Item": {**key, "status": {"S": "RESERVED"}, "sku": {"S.$": "$.sku"}}}}}},
            {"StartAt": "PutAudit", "States": {"PutAudit": {
                "Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "End": True,
                "Parameters": {"TableName": "bench-audit",
                               "Item": {**key, "event": {"S": "ORDER_RECORDED"}}}}}}]},
        "MarkConfirmed": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:updateItem", "End": True,
                          "Parameters": {"TableName": "bench-orders", "Key": key,
                                         "UpdateExpression": "SET #s = :s",
                                         "ExpressionAttributeNames": {"#s": "status"},
                                         "ExpressionAttributeValues": {":s": {"S": "CONFIRMED"}}},
                          "ResultPath": None},
        "Rejected": {"Type": "Fail", "Error": "UserInvalid", "Cause": "user is not valid"},
    }}


def deploy(endpoint: str) -> str:
    iam, lambdas, dynamodb = client(endpoint, "iam"), client(endpoint, "lambda"), client(endpoint, "dynamodb")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"Service": ["lambda.amazonaws.com", "states.amazonaws.com"]}}]}
    role = iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    arns = []
    for name, source in (("bench-user", USER_SERVICE), ("bench-inventory", INVENTORY_SERVICE)):
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zipped:
            zipped.writestr("handler.py", source)
        function = lambdas.create_function(FunctionName=name, Runtime="python3.12", Role=role,
                                           Handler="handler.handler", Code={"ZipFile": archive.getvalue()})
        arns.append(function["FunctionArn"])
    for table in ("bench-orders", "bench-audit"):
        dynamodb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                              KeySchema=[{"AttributeName": "orderId", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "orderId", "AttributeType": "S"}])
    return client(endpoint, "stepfunctions").create_state_machine(
        name="bench-orders", roleArn=role, definition=json.dumps(definition(*arns)))["stateMachineArn"]


def run(endpoint: str, machine_arn: str, executions: int) -> tuple[float, list[float], int]:
    """Run ``executions`` across the clients; return (seconds, latencies in ms, failures)."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    counter = iter(range(executions))

    def worker() -> None:
        sfn = client(endpoint, "stepfunctions")
        while True:
            with lock:
                number = next(counter, None)
            if number is None:
                return
            order = {"orderId": f"o-{uuid.uuid4().hex[:12]}", "userId": f"u{number}", "sku": "sku-1"}
            started = time.perf_counter()
            arn = sfn.start_execution(stateMachineArn=machine_arn, input=json.dumps(order))["executionArn"]
            while (status := sfn.describe_execution(executionArn=arn)["status"]) == "RUNNING":
                time.sleep(POLL_SECONDS)
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
                failures[0] += status != "SUCCEEDED"

    threads = [threading.Thread(target=worker) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, failures[0]


def main(executions: int = 400) -> None:
    with own_sandbox() as (endpoint, port):
        machine_arn = deploy(endpoint)
        _, _, failed = run(endpoint, machine_arn, 2 * CLIENTS)  # warm: workers started, definition parsed
        if failed:
            raise SystemExit(f"warm-up: {failed} executions did not succeed (is the Lambda runtime running code?)")
        cpu_before = cpu_seconds(port)
        seconds, latencies, failed = run(endpoint, machine_arn, executions)
        cpu_ms = (cpu_seconds(port) - cpu_before) / executions * 1000
    print(f"workflow (2 Lambda, Choice, Parallel, 3 DynamoDB writes), {CLIENTS} clients: "
          f"{executions / seconds:.1f} executions/s; latency p50 {percentile(latencies, 50):.0f} ms, "
          f"p99 {percentile(latencies, 99):.0f} ms; sandbox CPU {cpu_ms:.1f} ms per execution "
          f"(Lambda workers not counted); {failed} failed of {executions}", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 400)
