"""Warm and cold Lambda invoke round trips through boto3 (target: warm under 5 ms median).

A warm invoke reuses a worker process that has already imported the handler; the cold figure is
the first invoke after each code update (a new worker: process start plus import).
"""
from __future__ import annotations

import io
import json
import time
import zipfile

from common import client, own_sandbox, summary

HANDLER = "def handler(event, context):\n    return {'echo': event}\n"


def zipped(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", source)
    return buffer.getvalue()


def main(warm_calls: int = 500, cold_calls: int = 5) -> dict:
    with own_sandbox() as (endpoint, _):
        lam, iam = client(endpoint, "lambda"), client(endpoint, "iam")
        role = iam.create_role(RoleName="bench-lambda", AssumeRolePolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": []}))["Role"]["Arn"]
        lam.create_function(FunctionName="echo", Runtime="python3.11", Role=role,
                            Handler="handler.handler", Code={"ZipFile": zipped(HANDLER)})
        payload = json.dumps({"orderId": "o-1", "items": [{"productId": "prod-1", "quantity": 2}]})
        lam.invoke(FunctionName="echo", Payload=payload)
        warm_ms = []
        for _ in range(warm_calls):
            started = time.perf_counter()
            lam.invoke(FunctionName="echo", Payload=payload)["Payload"].read()
            warm_ms.append((time.perf_counter() - started) * 1000)
        cold_ms = []
        for n in range(cold_calls):
            lam.update_function_code(FunctionName="echo", ZipFile=zipped(HANDLER + f"# version {n}\n"))
            started = time.perf_counter()
            lam.invoke(FunctionName="echo", Payload=payload)["Payload"].read()
            cold_ms.append((time.perf_counter() - started) * 1000)
    print(f"warm invoke through boto3: {summary(warm_ms)}")
    print(f"cold invoke (new worker after a code update): {summary(cold_ms)}")
    return {"warm_ms": warm_ms, "cold_ms": cold_ms}


if __name__ == "__main__":
    main()
