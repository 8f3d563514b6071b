"""Helpers the workshop notebooks call: ``import lab_helpers as lab``.

Importing makes no network call; the first AWS call finds the backend (``LAB_BACKEND``) and,
on the default sandbox backend, starts the sandbox if none is running. Each name is imported
from its module on first use (PEP 562), so ``import lab_helpers`` and ``python -m
aws_sandbox`` stay fast: boto3, pandas and matplotlib load when a helper needs them.
"""
from __future__ import annotations

import importlib
from typing import Any

# name -> the module (in this package) that defines it
_EXPORTS: dict[str, str] = {
    "ORDER_MODEL": "apigateway",
    "ensure_orders_api": "apigateway",
    "invoke_url": "apigateway",
    "orders_api_methods": "apigateway",
    "ensure_api_key": "apikeys",
    "ensure_usage_plan": "apikeys",
    "account_id": "backend",
    "ApiWorkflows": "callbacks",
    "approvals_api_methods": "callbacks",
    "ensure_api_workflows": "callbacks",
    "execute_api_endpoint": "callbacks",
    "wait_for_approval_request": "callbacks",
    "CatalogApi": "catalog",
    "ensure_catalog_api": "catalog",
    "ensure_products_http_api": "catalog",
    "put_proxy_method": "catalog",
    "usage_table": "catalog",
    "arn": "backend",
    "client": "backend",
    "describe_backend": "backend",
    "endpoint_url": "backend",
    "tags": "backend",
    "delete_everything": "cleanup",
    "LabConfigError": "config",
    "ci_mode": "config",
    "Names": "config",
    "names": "config",
    "settings": "config",
    "draw_workflow": "diagram",
    "OrderForm": "forms",
    "OrderPlaced": "forms",
    "PRODUCTS": "dynamodb",
    "create_table_request": "dynamodb",
    "ensure_table": "dynamodb",
    "ensure_workshop_tables": "dynamodb",
    "from_dynamodb": "dynamodb",
    "get_item": "dynamodb",
    "scan_items": "dynamodb",
    "seed_products": "dynamodb",
    "to_dynamodb": "dynamodb",
    "workshop_table_keys": "dynamodb",
    "HttpResult": "httpclient",
    "get": "httpclient",
    "post_json": "httpclient",
    "BASIC_EXECUTION_POLICY": "iam",
    "apigateway_policy": "iam",
    "ensure_role": "iam",
    "ensure_workshop_roles": "iam",
    "lambda_policy": "iam",
    "role_policy": "iam",
    "states_policy": "iam",
    "trust_policy": "iam",
    "build_zip": "lambdas",
    "ensure_function": "lambdas",
    "ensure_workshop_functions": "lambdas",
    "handler_source": "lambdas",
    "invoke": "lambdas",
    "ensure_order_workflow": "stepfunctions",
    "ensure_state_machine": "stepfunctions",
    "execution_history_table": "stepfunctions",
    "list_executions_table": "stepfunctions",
    "load_definition": "stepfunctions",
    "read_test_state": "stepfunctions",
    "run_and_wait": "stepfunctions",
    "wait_for_execution": "stepfunctions",
    "workflow_substitutions": "stepfunctions",
    "QUOTE_MODEL": "quotes",
    "QuoteService": "quotes",
    "cost_per_million_quotes": "quotes",
    "ensure_quote_service": "quotes",
    "execution_log": "quotes",
    "logging_configuration": "quotes",
    "metering_records": "quotes",
    "plot_usage": "quotes",
    "quote_api_methods": "quotes",
    "request_id_of": "quotes",
    "sample_requests": "quotes",
    "state_transitions": "quotes",
    "time_express": "quotes",
    "time_standard": "quotes",
    "usage_report": "quotes",
    "concurrent_calls": "traffic",
    "paced_calls": "traffic",
    "per_interval": "traffic",
    "plot_throttling": "traffic",
    "token_bucket": "traffic",
    "clear_faults": "faults",
    "fault_settings": "faults",
    "inject_fault": "faults",
    "ensure_notifications": "notifications",
    "read_notifications": "notifications",
    "DECLINED_CARD": "saga",
    "Saga": "saga",
    "circuit": "saga",
    "ensure_saga": "saga",
    "order_ledger": "saga",
    "outcomes": "saga",
    "place_orders": "saga",
    "plot_outcomes": "saga",
    "reset_circuit": "saga",
    "restock": "saga",
    "routes_table": "saga",
    "saga_substitutions": "saga",
    "stock_levels": "saga",
    "retry_timeline": "timeline",
    "plot_retry_timeline": "timeline",
    "Workshop": "workshop",
    "ensure_workshop": "workshop",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'lab_helpers' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
