"""boto3 clients on the active backend, one per service, and the account guard for real AWS.

On ``sandbox`` the endpoint is ``AWS_ENDPOINT_URL`` when set (tests and the notebook runner
point at their own sandbox), otherwise the kit starts or reuses its sandbox on the default
port. Local endpoints get dummy credentials and ``inject_host_prefix=False`` (without it,
botocore sends StartSyncExecution to ``sync-127.0.0.1``). On ``aws`` nothing is touched until
``LAB_AWS_ACCOUNT`` names the account the credentials belong to: the setting is checked before
any network call, then STS says whose credentials these are.

A sandbox keeps its state in memory. When the kit's own sandbox (the ``sandbox`` backend's
configured endpoint, on loopback) stops answering, the next call through these clients or the
HTTP helpers starts it again and raises ``SandboxRestarted``, which says what to re-run; if it
cannot be started, the error says which command starts it.
"""
from __future__ import annotations

import functools
import re
from typing import Any, NoReturn
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError

from .config import LabConfigError, Settings, settings

WORKSHOP_TAG = ("workshop", "api-composition")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


class SandboxRestarted(RuntimeError):
    """The kit's sandbox had stopped; it was started again, empty, and the call failed."""


class SandboxDown(RuntimeError):
    """The kit's sandbox has stopped and could not be started again."""


_endpoints_seen: set[str] = set()  # sandboxes this process has talked to: a new one there is a restart


def endpoint_url() -> str | None:
    """The AWS endpoint the notebooks talk to (None on real AWS).

    >>> lab.endpoint_url()
    'http://127.0.0.1:4599'
    """
    current = settings()
    if current.backend == "sandbox" and current.endpoint_url is None:
        from aws_sandbox import control

        if control.status() is None:
            if control.endpoint() in _endpoints_seen:
                recover_sandbox(control.endpoint())  # it stopped since this process used it: say so
            control.start()
            _endpoints_seen.add(control.endpoint())
        return control.endpoint()
    return current.endpoint_url


def own_sandbox_port(endpoint: str | None) -> int | None:
    """The port when ``endpoint`` is the kit's own sandbox: the sandbox backend's configured
    endpoint (``AWS_ENDPOINT_URL``, else the default port), on loopback. Else None."""
    from aws_sandbox import control

    current = settings()
    if endpoint is None or current.backend != "sandbox":
        return None
    parts = urlsplit(endpoint)
    if parts.scheme != "http" or parts.hostname not in LOOPBACK_HOSTS or parts.port is None:
        return None
    configured = urlsplit(current.endpoint_url or control.endpoint())
    return parts.port if (parts.hostname, parts.port) == (configured.hostname, configured.port) else None


def recover_sandbox(endpoint: str) -> NoReturn:
    """Start the stopped sandbox at ``endpoint`` again and raise an error that says what to re-run."""
    from aws_sandbox import control

    port = own_sandbox_port(endpoint)
    try:
        control.start(port)
    except control.SandboxError as error:
        raise SandboxDown(
            f"The sandbox at {endpoint} has stopped and could not be started again ({error}). Start it "
            f"in a terminal with `python -m aws_sandbox start --port {port}` (or `make lab`), then re-run "
            "this notebook from its first cell.") from None
    raise SandboxRestarted(
        f"The sandbox at {endpoint} had stopped, so this call failed. It has been started again, empty "
        "(a sandbox keeps its resources in memory): re-run this notebook from its first cell, which "
        "rebuilds what the earlier notebooks created, then this cell.")


def recover_if_stopped(endpoint: str) -> None:
    """After a connection failure: when ``endpoint`` is the kit's own sandbox and it no longer
    answers, start it again and raise ``SandboxRestarted`` (else return: the caller re-raises)."""
    from aws_sandbox import control

    port = own_sandbox_port(endpoint)
    if port is not None and control.status(port) is None:
        recover_sandbox(endpoint)


def _recover_when_the_sandbox_is_gone(endpoint: str):
    """A botocore ``needs-retry`` handler: a connection failure to a sandbox that no longer answers."""

    def handler(caught_exception=None, **_) -> None:
        if isinstance(caught_exception, (EndpointConnectionError, ConnectionClosedError)):
            recover_if_stopped(endpoint)
        return None  # otherwise botocore's own retry rules decide

    return handler


@functools.cache
def _client(service: str, backend: str, endpoint: str | None, region: str) -> Any:
    if backend == "aws":  # the normal credential chain; endpoint None = AWS's public endpoints
        return boto3.client(service, region_name=region, endpoint_url=endpoint,
                            config=Config(retries={"mode": "standard", "max_attempts": 5}))
    created = boto3.client(service, endpoint_url=endpoint, region_name=region,
                           aws_access_key_id="test", aws_secret_access_key="test",
                           config=Config(inject_host_prefix=False, read_timeout=70,
                                         retries={"mode": "standard", "max_attempts": 3}))
    if own_sandbox_port(endpoint) is not None:
        created.meta.events.register("needs-retry", _recover_when_the_sandbox_is_gone(endpoint))
    return created


def client(service: str) -> Any:
    """A boto3 client for ``service`` on the active backend (cached: one per service).

    >>> sfn = lab.client("stepfunctions")
    """
    current = settings()
    endpoint = endpoint_url()
    if current.backend == "aws":
        _confirm_account(current)
    return _client(service, current.backend, endpoint, current.region)


@functools.cache
def _caller_account(backend: str, endpoint: str | None, region: str) -> str:
    return _client("sts", backend, endpoint, region).get_caller_identity()["Account"]


def account_id() -> str:
    """The account the resources live in (``123456789012`` on the sandbox)."""
    current = settings()
    if current.backend == "aws":
        _confirm_account(current)
    return _caller_account(current.backend, endpoint_url(), current.region)


ACCOUNT_ID = re.compile(r"^\d{12}$")


def _confirm_account(current: Settings) -> None:
    # Checked before any call: a learner without credentials gets this message, not a
    # connection or credentials error from STS.
    if current.aws_account is None or not ACCOUNT_ID.match(current.aws_account):
        raise LabConfigError(
            f"LAB_BACKEND=aws needs LAB_AWS_ACCOUNT=<the 12-digit id of a sandbox account you may use> "
            f"(got {current.aws_account!r}); the kit creates nothing until it matches your credentials' account")
    actual = _caller_account("aws", current.endpoint_url, current.region)
    if current.aws_account != actual:
        raise LabConfigError(
            f"LAB_BACKEND=aws would create resources in account {actual}; set LAB_AWS_ACCOUNT={actual} "
            "to confirm that this is a sandbox account you may use")


def arn(service: str, resource: str) -> str:
    """The ARN of a resource of this account and region, e.g. before it exists (for IAM policies).

    >>> lab.arn("dynamodb", "table/apicomp-orders")
    'arn:aws:dynamodb:us-east-1:123456789012:table/apicomp-orders'
    """
    account = "" if service == "s3" else account_id()
    region = "" if service in ("iam", "s3") else settings().region
    return f"arn:aws:{service}:{region}:{account}:{resource}"


def tags() -> dict[str, str]:
    """The tags every workshop resource carries, so cleanup can find them on a shared account."""
    return {WORKSHOP_TAG[0]: WORKSHOP_TAG[1], "lab-prefix": settings().prefix}


def describe_backend() -> dict[str, str]:
    """What the notebooks will talk to: backend, endpoint, region, account, prefix.

    >>> lab.describe_backend()["backend"]
    'sandbox'
    """
    current = settings()
    client("sts")  # on aws: the account guard runs here, before anything is created
    return {"backend": current.backend, "endpoint": endpoint_url() or "AWS public endpoints",
            "region": current.region, "account": account_id(), "prefix": current.prefix}
