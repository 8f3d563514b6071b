"""Step Functions as AWS runs them (placeholder until the patches land)."""
from __future__ import annotations


def install(port: int) -> None:
    pass


def handle_operation(request):
    return None
