"""User service: says whether a user may order, and returns their profile as structured data.

The recipe's version returned ``{"statusCode": ..., "body": json.dumps(...)}`` and the workflow
then string-matched ``"valid":true`` inside that text; ``json.dumps`` writes ``"valid": true``
(with a space), so no order ever passed. Returning a plain dict lets the workflow test
``$.Payload.valid`` with ``BooleanEquals``.

Deterministic on purpose: the same userId always gives the same answer and credit limit, so
notebooks and tests can assert on it.
"""
from __future__ import annotations

import re
import zlib
from typing import Any

USER_ID = re.compile(r"^[A-Za-z0-9_-]{3,64}$")


def credit_limit(user_id: str) -> int:
    """A stable credit limit between 1000 and 5000, in steps of 100, derived from the id."""
    return 1000 + (zlib.crc32(user_id.encode("utf-8")) % 41) * 100


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    user_id = event.get("userId") if isinstance(event, dict) else None
    if not isinstance(user_id, str) or not USER_ID.match(user_id):
        return {
            "valid": False,
            "userId": user_id,
            "reason": "userId must be 3-64 characters of letters, digits, '_' or '-'",
        }
    return {
        "valid": True,
        "userId": user_id,
        "name": f"User {user_id}",
        "email": f"{user_id}@example.com",
        "creditLimit": credit_limit(user_id),
    }
