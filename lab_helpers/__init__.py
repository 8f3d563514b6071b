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
    "ApiRequest": "apigateway",
    "bad_request_body_request": "apigateway",
    "deployment_request": "apigateway",
    "ensure_method": "apigateway",
    "ensure_model": "apigateway",
    "ensure_resources": "apigateway",
    "ensure_rest_api": "apigateway",
    "ensure_validator": "apigateway",
    "method_requests": "apigateway",
    "model_request": "apigateway",
    "rest_api_request": "apigateway",
    "validator_request": "apigateway",
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
    "LabConfigError": "config",
    "Names": "config",
    "names": "config",
    "settings": "config",
    "draw_workflow": "diagram",
    "Collapsed": "display",
    "SideBySide": "display",
    "OrderForm": "forms",
    "OrderPlaced": "forms",
    "order_problems": "forms",
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

