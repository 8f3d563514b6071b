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

    # Notebook 08: the synchronous quote service (Express), its metering and its log.
    @property
    def shipping_quote_service(self) -> str:
        return f"{self.prefix}-shipping-quote-service"

    @property
    def metering_table(self) -> str:
        return f"{self.prefix}-metering"

    @property
    def quote_workflow(self) -> str:
        return f"{self.prefix}-quote-workflow"

    @property
    def quote_standard_workflow(self) -> str:
        return f"{self.prefix}-quote-workflow-standard"

    @property
    def quote_log_group(self) -> str:
        return f"/aws/vendedlogs/states/{self.prefix}-quote-workflow"

    @property
    def quote_states_role(self) -> str:
        return f"{self.prefix}-quote-states-role"

    @property
    def quote_apigateway_role(self) -> str:
        return f"{self.prefix}-quote-apigateway-role"

    @property
    def quotes_api(self) -> str:
        return f"{self.prefix}-quotes-api"

    # Notebook 10: the catalogue behind Lambda proxy integrations, with keys and usage plans.
    @property
    def products_service(self) -> str:
        return f"{self.prefix}-products-service"

    @property
    def proxy_echo(self) -> str:
        return f"{self.prefix}-proxy-echo"

    @property
    def catalog_api(self) -> str:
        return f"{self.prefix}-catalog-api"

    @property
    def catalog_http_api(self) -> str:
        return f"{self.prefix}-catalog-http-api"

    # Notebook 09: workflows that call APIs, and wait for a person through one.
    @property
    def api_client_workflow(self) -> str:
        return f"{self.prefix}-api-client-workflow"

    @property
    def approval_workflow(self) -> str:
        return f"{self.prefix}-approval-workflow"

    @property
    def approvals_table(self) -> str:
        return f"{self.prefix}-approvals"

    @property
    def approvals_api(self) -> str:
        return f"{self.prefix}-approvals-api"

    @property
    def approvals_apigateway_role(self) -> str:
        return f"{self.prefix}-approvals-apigateway-role"

    # notebook 07: the saga's services, tables, roles, workflow and notifications
    @property
    def payments_table(self) -> str:
        return f"{self.prefix}-payments"

    @property
    def shipments_table(self) -> str:
        return f"{self.prefix}-shipments"

    @property
    def circuits_table(self) -> str:
        return f"{self.prefix}-circuits"

    def service(self, short: str) -> str:
        """A saga service's function name: ``service("payment")`` → ``apicomp-payment-service``."""
        return f"{self.prefix}-{short}-service"

    @property
    def saga_lambda_role(self) -> str:
        return f"{self.prefix}-saga-lambda-role"

    @property
    def saga_states_role(self) -> str:
        return f"{self.prefix}-saga-states-role"

    @property
    def order_saga(self) -> str:
        return f"{self.prefix}-order-saga"

    @property
    def catch_limits_machine(self) -> str:
        return f"{self.prefix}-catch-limits"

    @property
    def event_bus(self) -> str:
        return f"{self.prefix}-orders-bus"

    @property
    def notifications_rule(self) -> str:
        return f"{self.prefix}-order-status-to-queue"

    @property
    def notifications_queue(self) -> str:
        return f"{self.prefix}-order-notifications"


def names() -> Names:
    """The names of this learner's resources.

    >>> lab.names().orders_table
    'apicomp-orders'
    """
    return Names(settings().prefix)


def ci_mode() -> bool:
    """True when ``LAB_CI`` is set (nbval in ``make test``): notebooks shrink their loads.

    >>> calls = 20 if lab.ci_mode() else 200
    """
    return os.environ.get("LAB_CI", "").strip() not in ("", "0")
