"""How long `start` takes until the sandbox answers, and how long `reset` takes with resources in it.

Target (design): ready in under 2 s; reset (every resource and worker) in under 1 s.
The Step Functions and API Gateway parts load in the background after the sandbox answers;
"until Step Functions answers" is how long a first ListStateMachines takes from the start.
"""
from __future__ import annotations

import json
import time

from common import client, control, own_sandbox, summary


def main(rounds: int = 5) -> dict:
    ready_ms, sfn_ms = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        with own_sandbox() as (endpoint, _):
            ready_ms.append((time.perf_counter() - started) * 1000)
            client(endpoint, "stepfunctions").list_state_machines()
            sfn_ms.append((time.perf_counter() - started) * 1000)
    reset_ms = []
    with own_sandbox() as (endpoint, port):
        for _ in range(rounds):
            populate(endpoint)
            reset_ms.append(control.reset(port) * 1000)
    print(f"start until ready: {summary(ready_ms)}")
    print(f"start until Step Functions answers: {summary(sfn_ms)}")
    print(f"reset with tables, roles, functions, a state machine: {summary(reset_ms)}")
    return {"start_ready_ms": ready_ms, "start_sfn_ms": sfn_ms, "reset_ms": reset_ms}


def populate(endpoint: str) -> None:
    ddb, iam, sfn = (client(endpoint, s) for s in ("dynamodb", "iam", "stepfunctions"))
    for n in range(5):
        ddb.create_table(TableName=f"table-{n}", BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}])
    trust = json.dumps({"Version": "2012-10-17", "Statement": []})
    role = iam.create_role(RoleName="r", AssumeRolePolicyDocument=trust)
    iam.attach_role_policy(RoleName="r", PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    sfn.create_state_machine(name="m", roleArn=role["Role"]["Arn"],
                             definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}))


if __name__ == "__main__":
    main()
