"""Access log of data-plane requests (placeholder)."""
from __future__ import annotations


def entries(since=None) -> list:
    return []
