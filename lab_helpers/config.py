"""Where the workshop runs and what its resources are called, read from the environment.

``LAB_BACKEND`` picks the backend: ``sandbox`` (default, the kit's offline emulator),
``localstack`` or ``aws``. ``AWS_ENDPOINT_URL`` points any of them at another endpoint (boto3
honours it too): the tests use it to run the ``aws`` code path against a sandbox stand-in.
``LAB_PREFIX`` prefixes every resource name (default ``apicomp``, so notebook outputs are the
same on every run); give each learner their own prefix when several share one AWS account.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

BACKENDS = ("sandbox", "localstack", "aws")
DEFAULT_PREFIX = "apicomp"
DEFAULT_REGION = "us-east-1"
LOCALSTACK_ENDPOINT = "http://localhost:4566"
PREFIX_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,20}$")


class LabConfigError(ValueError):
    """A LAB_* setting is missing or invalid."""


@dataclass(frozen=True)
class Settings:
    backend: str
    region: str
    prefix: str
    endpoint_url: str | None
    aws_account: str | None


def settings() -> Settings:
    """The current settings, validated.

    >>> lab.settings().backend
    'sandbox'
    """
    backend = os.environ.get("LAB_BACKEND", "sandbox").strip().lower() or "sandbox"
    if backend not in BACKENDS:
        raise LabConfigError(f"LAB_BACKEND={backend!r}: choose one of {', '.join(BACKENDS)}")
    prefix = os.environ.get("LAB_PREFIX", DEFAULT_PREFIX).strip()
    if not PREFIX_PATTERN.match(prefix):
        raise LabConfigError(
            f"LAB_PREFIX={prefix!r}: use 2-21 lower-case letters, digits or '-', starting with a letter")
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or None
    if backend == "localstack":
        endpoint = endpoint or LOCALSTACK_ENDPOINT
    return Settings(backend, region, prefix, endpoint, os.environ.get("LAB_AWS_ACCOUNT") or None)


@dataclass(frozen=True)
class Names:
    """Every resource name the workshop uses, derived from one prefix."""

    prefix: str

    @property
    def orders_table(self) -> str:
        return f"{self.prefix}-orders"

    @property
    def audit_table(self) -> str:
        return f"{self.prefix}-audit"

    @property
    def reservations_table(self) -> str:
        return f"{self.prefix}-reservations"

    @property
    def products_table(self) -> str:
        return f"{self.prefix}-products"

    @property
    def user_service(self) -> str:
        return f"{self.prefix}-user-service"

    @property
    def inventory_service(self) -> str:
        return f"{self.prefix}-inventory-service"

    @property
    def lambda_role(self) -> str:
        return f"{self.prefix}-lambda-role"

    @property
    def states_role(self) -> str:
        return f"{self.prefix}-states-role"

    @property
    def apigateway_role(self) -> str:
        return f"{self.prefix}-apigateway-role"

    @property
    def state_machine(self) -> str:
        return f"{self.prefix}-order-workflow"

    @property
    def state_machine_jsonata(self) -> str:
        return f"{self.prefix}-order-workflow-jsonata"

    @property
    def api(self) -> str:
        return f"{self.prefix}-orders-api"


def names() -> Names:
    """The names of this learner's resources.

    >>> lab.names().orders_table
    'apicomp-orders'
    """
    return Names(settings().prefix)
