"""Docker-free Lambda runtime (placeholder until the worker pool lands)."""
from __future__ import annotations


def install(port: int) -> None:
    pass


def shutdown_all_workers() -> None:
    pass
