"""300 orders from 12 clients through the kit's REST API, with the user service failing on a known
fifth of the calls: exactly those orders fail (recorded as failed, for the injected error), every
other one completes. Nothing fails for the sandbox's own reasons (the Lambda worker pool is smaller
than the clients: calls past it wait for a worker instead of being throttled).
"""
from __future__ import annotations

import shutil
import threading
import time

import pytest
import requests

import lab_helpers as lab
from lab_helpers.paths import LAMBDAS_DIR

PREFIX = "faults"
ORDERS, CLIENTS = 300, 12
FAULTY = '''"""The user service, failing on purpose for the users the test marks (``fault-...``)."""
import handler


class InjectedFault(Exception):
    pass


def lambda_handler(event, context):
    if str(event.get("userId", "")).startswith("fault-"):
        raise InjectedFault(f"injected fault for {event['userId']}")
    return handler.lambda_handler(event, context)
'''


def injected(number: int) -> bool:
    return number % 5 == 0  # a known fifth of the orders


def order(number: int) -> dict:
    user = f"fault-{number:03d}" if injected(number) else f"user-{number:03d}"
    return {"orderId": f"fault-test-{number:03d}", "userId": user, "items": [{"productId": "prod-1", "quantity": 1}]}


@pytest.fixture(scope="module")
def ws(lab_env, tmp_path_factory):
    ws = lab.ensure_workshop(upto=5)
    n = lab.names()
    source = tmp_path_factory.mktemp("faulty-user-service")
    shutil.copy(LAMBDAS_DIR / "user_service" / "handler.py", source / "handler.py")
    (source / "faults.py").write_text(FAULTY)
    lab.ensure_function(n.user_service, source_dir=source, role_arn=ws.roles[n.lambda_role],
                        handler="faults.lambda_handler")
    yield ws
    lab.ensure_workshop_functions(ws.roles[n.lambda_role])


def final_status(http: requests.Session, api_url: str, order_id: str, timeout: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = http.get(f"{api_url}/orders/{order_id}/status", timeout=60)
        if answer.status_code == 200 and answer.json()["status"] in ("completed", "rejected", "failed"):
            return answer.json()
        time.sleep(0.05)
    raise AssertionError(f"{order_id} has no final status after {timeout} s")


def test_orders_fail_only_where_a_fault_was_injected(ws):
    results: dict[int, tuple[int, dict | None]] = {}
    numbers = iter(range(ORDERS))
    lock = threading.Lock()

    def one_client() -> None:
        http = requests.Session()
        while True:
            with lock:
                number = next(numbers, None)
            if number is None:
                return
            body = order(number)
            posted = http.post(f"{ws.api_url}/orders", json=body, timeout=60)
            status = final_status(http, ws.api_url, body["orderId"]) if posted.status_code == 200 else None
            with lock:
                results[number] = (posted.status_code, status)

    clients = [threading.Thread(target=one_client) for _ in range(CLIENTS)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join(timeout=600)

    assert sorted(results) == list(range(ORDERS))
    assert {number: code for number, (code, _) in results.items() if code != 200} == {}  # every order accepted
    failed = {number for number, (_, status) in results.items() if status["status"] != "completed"}
    unexpected = {number: results[number][1] for number in failed if not injected(number)}
    assert unexpected == {}
    assert failed == {number for number in range(ORDERS) if injected(number)}
    assert {results[number][1]["reason"] for number in failed} == {"InjectedFault"}
    assert len(failed) == ORDERS // 5
