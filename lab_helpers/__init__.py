"""Helpers the workshop notebooks call: ``import lab_helpers as lab``.

Importing makes no network call; the first AWS call finds the backend (``LAB_BACKEND``) and,
on the default sandbox backend, starts the sandbox if none is running.
"""
from __future__ import annotations

from .apigateway import ORDER_MODEL, ensure_orders_api, invoke_url, orders_api_methods
from .backend import account_id, arn, client, describe_backend, endpoint_url, tags
from .cleanup import delete_everything
from .config import LabConfigError, Names, names, settings
from .diagram import draw_workflow
from .dynamodb import (PRODUCTS, ensure_table, ensure_workshop_tables, from_dynamodb, get_item, scan_items,
                       seed_products, to_dynamodb)
from .httpclient import HttpResult, get, post_json
from .iam import (BASIC_EXECUTION_POLICY, apigateway_policy, ensure_role, ensure_workshop_roles, lambda_policy,
                  role_policy, states_policy, trust_policy)
from .lambdas import build_zip, ensure_function, ensure_workshop_functions, invoke
from .stepfunctions import (ensure_order_workflow, ensure_state_machine, execution_history_table,
                            list_executions_table, load_definition, run_and_wait, wait_for_execution,
                            workflow_substitutions)
from .workshop import Workshop, ensure_workshop

__all__ = [
    "BASIC_EXECUTION_POLICY", "HttpResult", "LabConfigError", "Names", "ORDER_MODEL", "PRODUCTS", "Workshop",
    "account_id", "apigateway_policy", "arn", "build_zip", "client", "delete_everything", "describe_backend",
    "draw_workflow", "endpoint_url", "ensure_function", "ensure_order_workflow", "ensure_orders_api",
    "ensure_role", "ensure_state_machine", "ensure_table", "ensure_workshop", "ensure_workshop_functions",
    "ensure_workshop_roles", "ensure_workshop_tables", "execution_history_table", "from_dynamodb", "get",
    "get_item", "invoke", "invoke_url", "lambda_policy", "list_executions_table", "load_definition", "names",
    "orders_api_methods", "post_json", "role_policy", "run_and_wait", "scan_items", "seed_products",
    "settings", "states_policy", "tags", "to_dynamodb", "trust_policy", "wait_for_execution",
    "workflow_substitutions",
]
