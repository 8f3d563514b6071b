"""DynamoDB writes that are atomic, as on AWS.

moto's DynamoDB backend reads and writes its in-memory items without a lock, and the sandbox
serves requests on many threads: two concurrent ``UpdateItem SET stock = stock - :q`` (or two
transactions) can both read 100 and both write 99, and a condition can pass for two writers at
once. DynamoDB applies each write to an item atomically and runs transactions serializably, so
the saga's conditional stock reservation relies on it. Every write operation of the backend is
therefore run under one lock; reads are not (AWS reads are read-committed, never isolated).
"""
from __future__ import annotations

import functools
import threading

from .patching import replace

WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "execute_statement",
          "execute_transaction", "batch_execute_statement")
_lock = threading.RLock()  # re-entrant: a transaction may call the single-item writes


def install() -> None:
    """Serialise the DynamoDB backend's writes; safe to call more than once."""
    from moto.dynamodb.models import DynamoDBBackend

    for name in WRITES:
        method = getattr(DynamoDBBackend, name)
        if getattr(method, "_lab_atomic", False):
            continue

        @functools.wraps(method)
        def atomic(self, *args, _method=method, **kwargs):
            with _lock:
                return _method(self, *args, **kwargs)

        atomic._lab_atomic = True
        replace(DynamoDBBackend, name, atomic)
