"""The saga's definition, read as a graph: every path is recorded, compensations run in reverse
and cannot be skipped. No backend needed."""
from __future__ import annotations

import re

import lab_helpers as lab
from lab_helpers.paths import ASL_DIR

COMPENSATIONS = ["CancelShipment", "RefundPayment", "ReleaseStock"]


def saga() -> dict:
    placeholders = set(re.findall(r"\$\{(\w+)\}", (ASL_DIR / "order_saga.json").read_text()))
    return lab.load_definition("order_saga.json", {p: f"arn-or-name-of-{p}" for p in placeholders})


def edges(state: dict) -> list[str]:
    targets = [state.get("Next"), state.get("Default")]
    targets += [c["Next"] for c in state.get("Choices", [])] + [c["Next"] for c in state.get("Catch", [])]
    return [t for t in targets if t]


def reachable(states: dict, start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += edges(states[name])
    return seen


def test_every_state_leads_to_the_record_and_only_done_ends():
    states = saga()["States"]
    assert [name for name, s in states.items() if s.get("End")] == ["Done"]
    for name in states:
        if name not in ("RecordOutcome", "NotifyOutcome", "Done"):
            assert "RecordOutcome" in reachable(states, name), name


def test_compensations_run_in_reverse_retry_and_are_never_caught():
    states = saga()["States"]
    assert [states[c]["Next"] for c in COMPENSATIONS] == ["RefundPayment", "ReleaseStock", "Compensated"]
    for name in COMPENSATIONS:
        assert "Catch" not in states[name] and states[name]["Retry"][0]["ErrorEquals"] == ["States.ALL"]
    # each failure point enters the chain where its own undo starts
    catches = {name: {c["Next"] for c in s.get("Catch", [])} for name, s in states.items()}
    assert catches["ShipAndNotify"] == {"CancelShipment"}
    assert catches["ChargePayment"] == {"ReleaseStock", "CountPaymentFailure"}  # a decline charged nothing
    assert states["CountPaymentFailure"]["Next"] == "RefundPayment"
    assert catches["ReserveStock"] == {"OutOfStock", "ReleaseStock"}


def test_specific_catchers_come_before_states_all():
    for name, state in saga()["States"].items():
        errors = [c["ErrorEquals"] for c in state.get("Catch", [])]
        if ["States.ALL"] in errors:
            assert errors[-1] == ["States.ALL"], name


def test_routes_table_lists_every_state():
    table = lab.routes_table(saga())
    assert len(table) == len(saga()["States"])
    assert table.loc["ChargePayment", "on error"] == ("PaymentDeclined → ReleaseStock; "
                                                      "States.ALL → CountPaymentFailure")
