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
    "account_id": "backend",
    "arn": "backend",
    "client": "backend",
    "describe_backend": "backend",
    "endpoint_url": "backend",
    "tags": "backend",
    "delete_everything": "cleanup",
    "kit_resources": "cleanup",
    "LabConfigError": "config",
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
    "cost_chart": "charts",
    "execution_timeline": "charts",
    "knee_chart": "charts",
    "load_test_report": "charts",
    "metrics_chart": "charts",
    "open_vs_closed": "charts",
    "state_duration_chart": "charts",
    "dashboard_body": "cloudwatch",
    "ensure_alarm_inbox": "cloudwatch",
    "ensure_dashboard": "cloudwatch",
    "get_metrics": "cloudwatch",
    "metric": "cloudwatch",
    "order_metrics": "cloudwatch",
    "read_notifications": "cloudwatch",
    "wait_for_alarm": "cloudwatch",
    "execution_path": "history",
    "history_events": "history",
    "state_durations": "history",
    "state_spans": "history",
    "state_transitions": "history",
    "task_calls": "history",
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
    "ci_mode": "loadtest",
    "closed_loop": "loadtest",
    "http_sender": "loadtest",
    "in_flight": "loadtest",
    "join_executions": "loadtest",
    "load_summary": "loadtest",
    "open_loop": "loadtest",
    "run_id": "loadtest",
    "step_load": "loadtest",
    "OrderUsage": "pricing",
    "cost": "pricing",
    "order_costs": "pricing",
    "express_gb_seconds": "pricing",
    "lambda_gb_seconds": "pricing",
    "price_table": "pricing",
    "ensure_order_workflow": "stepfunctions",
    "ensure_state_machine": "stepfunctions",
    "execution_history_table": "stepfunctions",
    "list_executions_table": "stepfunctions",
    "load_definition": "stepfunctions",
    "read_test_state": "stepfunctions",
    "run_and_wait": "stepfunctions",
    "wait_for_execution": "stepfunctions",
    "workflow_substitutions": "stepfunctions",
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

