"""An AWS request the sandbox refuses as AWS would: its error type, message and HTTP status.

A leaf module (it imports nothing of the sandbox), so the request checks of every service can
raise it and ``request_validation`` can answer it in the protocol's format.
"""
from __future__ import annotations


class Invalid(Exception):
    """A request AWS would refuse: ``code`` (the error type) and ``message``, HTTP ``status``."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status
