"""lab_helpers against a real sandbox: every ensure_* creates, then leaves alone or updates."""
from __future__ import annotations

import dataclasses
import json
import zipfile
from io import BytesIO

import pytest
from botocore.exceptions import ClientError

import lab_helpers as lab
from lab_helpers import backend

PREFIX = "labtest"


@pytest.fixture(scope="module")
def env(lab_env):
    return lab_env


@pytest.fixture(scope="module")
def roles(env):
    return lab.ensure_workshop_roles()


# --- settings and backends -------------------------------------------------------------------

def test_names_follow_the_prefix(monkeypatch):
    monkeypatch.setenv("LAB_PREFIX", "alice")
    assert lab.names().orders_table == "alice-orders"
    assert lab.names().state_machine == "alice-order-workflow"


@pytest.mark.parametrize("variable,value", [("LAB_BACKEND", "azure"), ("LAB_PREFIX", "Bad Prefix!")])
def test_bad_settings_are_refused_clearly(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(lab.LabConfigError, match=variable):
        lab.settings()


def test_localstack_defaults_to_its_port(monkeypatch):
    monkeypatch.setenv("LAB_BACKEND", "localstack")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    assert lab.settings().endpoint_url == "http://localhost:4566"


def test_aws_backend_refuses_an_unconfirmed_account(monkeypatch):
    monkeypatch.setenv("LAB_BACKEND", "aws")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("LAB_AWS_ACCOUNT", raising=False)

    def no_network(*args):
        raise AssertionError("the guard must not call STS before LAB_AWS_ACCOUNT is set")

    monkeypatch.setattr(backend, "_caller_account", no_network)
    for call in (lambda: lab.client("dynamodb"), lab.account_id, lambda: lab.arn("states", "stateMachine:x")):
        with pytest.raises(lab.LabConfigError, match="needs LAB_AWS_ACCOUNT=<the 12-digit id"):
            call()
    monkeypatch.setenv("LAB_AWS_ACCOUNT", "12345")  # not an account id: refused before any call too
    with pytest.raises(lab.LabConfigError, match="'12345'"):
        lab.client("dynamodb")
    monkeypatch.setattr(backend, "_caller_account", lambda *args: "111122223333")
    monkeypatch.setenv("LAB_AWS_ACCOUNT", "999999999999")
    with pytest.raises(lab.LabConfigError, match="LAB_AWS_ACCOUNT=111122223333"):
        lab.client("dynamodb")
    monkeypatch.setenv("LAB_AWS_ACCOUNT", "111122223333")
    assert lab.client("dynamodb").meta.endpoint_url.startswith("https://dynamodb.")


def test_sandbox_honours_aws_endpoint_url(env):
    assert lab.endpoint_url() == env
    assert lab.client("dynamodb") is lab.client("dynamodb")  # one cached client per service
    assert lab.describe_backend() == {"backend": "sandbox", "endpoint": env, "region": "us-east-1",
                                      "account": "123456789012", "prefix": PREFIX}


# --- IAM ---------------------------------------------------------------------------------------

def test_roles_are_idempotent_and_least_privilege(env, roles):
    assert lab.ensure_workshop_roles() == roles
    iam = lab.client("iam")
    apigw = lab.role_policy(f"{PREFIX}-apigateway-role")
    statements = {tuple(s["Action"]): s["Resource"] for s in apigw["Statement"]}
    assert statements == {
        ("states:StartExecution",): [f"arn:aws:states:us-east-1:123456789012:stateMachine:{PREFIX}-order-workflow"],
        ("dynamodb:GetItem",): [f"arn:aws:dynamodb:us-east-1:123456789012:table/{PREFIX}-orders"],
    }
    assert iam.list_attached_role_policies(RoleName=f"{PREFIX}-apigateway-role")["AttachedPolicies"] == []
    trust = iam.get_role(RoleName=f"{PREFIX}-states-role")["Role"]["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"][0]["Principal"] == {"Service": "states.amazonaws.com"}
    for document in (lab.lambda_policy(), lab.states_policy(), apigw):
        resources = [r for s in document["Statement"] for r in s["Resource"]]
        assert all("*" not in r.split(":")[-1] or r.endswith(":*") for r in resources)


def test_ensure_role_updates_managed_policies(env):
    name = f"{PREFIX}-scratch-role"
    lab.ensure_role(name, "lambda", managed_policy_arns=[lab.BASIC_EXECUTION_POLICY])
    lab.ensure_role(name, "lambda", managed_policy_arns=[])
    assert lab.client("iam").list_attached_role_policies(RoleName=name)["AttachedPolicies"] == []


# --- DynamoDB ----------------------------------------------------------------------------------

def test_tables_and_products(env):
    tables = lab.ensure_workshop_tables()
    assert set(tables) == {f"{PREFIX}-orders", f"{PREFIX}-audit", f"{PREFIX}-reservations", f"{PREFIX}-products"}
    assert lab.ensure_workshop_tables() == tables
    assert lab.seed_products(f"{PREFIX}-products") == 3
    prod1 = lab.get_item(f"{PREFIX}-products", {"productId": "prod-1"})
    assert str(prod1["price"]) == "29.99" and prod1["stock"] == 100
    assert [p["productId"] for p in lab.scan_items(f"{PREFIX}-products")] == ["prod-1", "prod-2", "prod-3"]
    assert lab.get_item(f"{PREFIX}-products", {"productId": "nope"}) is None


def test_ensure_table_refuses_a_different_key(env):
    lab.ensure_table(f"{PREFIX}-keyed", key="a")
    with pytest.raises(ValueError, match="key 'a'"):
        lab.ensure_table(f"{PREFIX}-keyed", key="b")


# --- Lambda ------------------------------------------------------------------------------------

def test_zip_is_deterministic_and_has_no_tests():
    first = lab.build_zip(lab.paths.LAMBDAS_DIR / "user_service")
    assert first == lab.build_zip(lab.paths.LAMBDAS_DIR / "user_service")
    names = zipfile.ZipFile(BytesIO(first)).namelist()
    assert "handler.py" in names and not any(n.startswith("test_") or "__pycache__" in n for n in names)


def test_ensure_function_creates_then_updates_code(env, roles, tmp_path):
    (tmp_path / "handler.py").write_text("def lambda_handler(event, context):\n    return 1\n")
    role = roles[f"{PREFIX}-lambda-role"]
    created = lab.ensure_function(f"{PREFIX}-scratch", source_dir=tmp_path, role_arn=role)
    assert created["State"] == "Active" and created["Runtime"] == "python3.12"
    same = lab.ensure_function(f"{PREFIX}-scratch", source_dir=tmp_path, role_arn=role, env={"GREETING": "1"})
    assert same["CodeSha256"] == created["CodeSha256"]
    assert same["Environment"]["Variables"] == {"GREETING": "1"}
    (tmp_path / "handler.py").write_text("def lambda_handler(event, context):\n    return 2\n")
    updated = lab.ensure_function(f"{PREFIX}-scratch", source_dir=tmp_path, role_arn=role)
    assert updated["CodeSha256"] != created["CodeSha256"]
    assert updated["LastUpdateStatus"] == "Successful"


def test_ensure_function_needs_the_handler_file(env, roles, tmp_path):
    with pytest.raises(FileNotFoundError, match="handler.py"):
        lab.ensure_function(f"{PREFIX}-empty", source_dir=tmp_path, role_arn=roles[f"{PREFIX}-lambda-role"])


# --- Step Functions ----------------------------------------------------------------------------

SUBSTITUTIONS = {"UserServiceArn": "arn:aws:lambda:us-east-1:123456789012:function:u",
                 "InventoryServiceArn": "arn:aws:lambda:us-east-1:123456789012:function:i",
                 "OrdersTable": "o", "AuditTable": "a", "ReservationsTable": "r"}


def test_load_definition_fills_placeholders_and_names_missing_ones():
    definition = lab.load_definition("order_workflow.json", SUBSTITUTIONS)
    assert definition["States"]["ValidateUser"]["Parameters"]["FunctionName"].endswith(":function:u")
    assert "${" not in json.dumps(definition)
    with pytest.raises(KeyError, match="AuditTable, OrdersTable"):
        lab.load_definition("order_workflow.json", {k: v for k, v in SUBSTITUTIONS.items()
                                                    if k not in ("OrdersTable", "AuditTable")})


def test_workflow_tests_structured_results_and_records_every_failure():
    states = lab.load_definition("order_workflow.json", SUBSTITUTIONS)["States"]
    assert states["IsUserValid"]["Choices"][0] == {"Variable": "$.user.valid", "BooleanEquals": True,
                                                   "Next": "CheckInventory"}
    assert "StringMatches" not in json.dumps(states)
    # Every path that is not the happy one goes through RecordOutcome.
    for name in ("UserRejected", "InsufficientInventory", "ServiceFailed"):
        assert states[name]["Next"] == "RecordOutcome"
    # The compensation reads $.error only where a Catch put it there.
    catch_targets = {c["Next"] for s in states.values() for c in s.get("Catch", [])}
    assert catch_targets == {"ServiceFailed", "ReleaseReservation"}
    retry = states["ValidateUser"]["Retry"][0]
    assert "Lambda.TooManyRequestsException" in retry["ErrorEquals"] and retry["BackoffRate"] == 2.0


def test_ensure_state_machine_creates_then_updates(env, roles):
    role = roles[f"{PREFIX}-states-role"]
    arn = lab.ensure_state_machine(f"{PREFIX}-scratch-machine", asl_file="order_workflow.json",
                                   substitutions=SUBSTITUTIONS, role_arn=role)
    assert lab.ensure_state_machine(f"{PREFIX}-scratch-machine", asl_file="order_workflow.json",
                                    substitutions=SUBSTITUTIONS, role_arn=role) == arn
    changed = SUBSTITUTIONS | {"OrdersTable": "other"}
    lab.ensure_state_machine(f"{PREFIX}-scratch-machine", asl_file="order_workflow.json",
                             substitutions=changed, role_arn=role)
    described = lab.client("stepfunctions").describe_state_machine(stateMachineArn=arn)
    assert '"TableName": "other"' in described["definition"]
    assert described["type"] == "STANDARD"
    with pytest.raises(ValueError, match="STANDARD"):
        lab.ensure_state_machine(f"{PREFIX}-scratch-machine", asl_file="order_workflow.json",
                                 substitutions=changed, role_arn=role, type="EXPRESS")


def test_draw_workflow_draws_every_state():
    definition = lab.load_definition("order_workflow.json", SUBSTITUTIONS)
    figure = lab.draw_workflow(definition)
    texts = " ".join(t.get_text() for t in figure.axes[0].texts)
    assert all(name in texts for name in definition["States"])
    assert "user.valid = true" in texts and "Default" in texts  # Choice arrows say which rule


def test_draw_workflow_keeps_the_happy_path_in_one_column():
    from lab_helpers.diagram import happy_path, positions

    definition = lab.load_definition("order_workflow.json", SUBSTITUTIONS)
    cells = positions(definition)
    path = happy_path(definition)
    assert path[0] == "ValidateUser" and path[-1] == "OrderCompleted"
    assert {cells[name][0] for name in path} == {0}
    assert len(set(cells.values())) == len(cells)  # no two boxes on one spot


# --- API Gateway -------------------------------------------------------------------------------

def test_orders_api_is_declared_once_and_updated_in_place(env, roles):
    machine = lab.arn("states", f"stateMachine:{PREFIX}-order-workflow")
    role = roles[f"{PREFIX}-apigateway-role"]
    api = lab.ensure_orders_api(state_machine_arn=machine, role_arn=role)
    again = lab.ensure_orders_api(state_machine_arn=machine, role_arn=role)
    assert again["id"] == api["id"]
    assert api["url"] == f"{env}/_aws/execute-api/{api['id']}/prod"
    apigw = lab.client("apigateway")
    paths = {r["path"]: r for r in apigw.get_resources(restApiId=api["id"])["items"]}
    assert set(paths) == {"/", "/orders", "/orders/{orderId}", "/orders/{orderId}/status"}
    post = apigw.get_method(restApiId=api["id"], resourceId=paths["/orders"]["id"], httpMethod="POST")
    assert post["requestModels"] == {"application/json": "OrderRequest"}
    assert post["requestValidatorId"]
    integration = post["methodIntegration"]
    assert integration["uri"] == "arn:aws:apigateway:us-east-1:states:action/StartExecution"
    assert integration["credentials"] == role
    template = integration["requestTemplates"]["application/json"]
    assert '"name": "$orderId"' in template and '.replaceAll("\\\\\'","\'")' in template
    assert set(integration["integrationResponses"]) == {"200", "409", "500"}
    bad_body = apigw.get_gateway_response(restApiId=api["id"], responseType="BAD_REQUEST_BODY")
    assert "$context.error.validationErrorString" in bad_body["responseTemplates"]["application/json"]
    assert len([a for a in apigw.get_rest_apis()["items"] if a["name"] == f"{PREFIX}-orders-api"]) == 1


def test_method_requests_are_the_whole_wiring_as_data(monkeypatch):
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    post, _ = lab.orders_api_methods("arn:aws:states:eu-west-1:123456789012:stateMachine:m", "t")
    requests = lab.method_requests("api1", "res1", post, role_arn="arn:role", validator_id="val1")
    assert [r.operation for r in requests] == (
        ["put_method", "put_integration"] + ["put_method_response", "put_integration_response"] * 3)
    method, integration = requests[0].params, requests[1].params
    assert method["requestValidatorId"] == "val1" and method["requestModels"] == {"application/json": "OrderRequest"}
    assert integration["uri"] == "arn:aws:apigateway:eu-west-1:states:action/StartExecution"
    assert integration["credentials"] == "arn:role" and integration["type"] == "AWS"
    assert integration["requestTemplates"] == {"application/json": post.request_template}
    shown = "\n".join(map(str, requests))
    assert "selectionPattern=r'4\\d{2}'" in shown and "\\\\d" not in shown  # as typed, not doubled
    assert '"name": "$orderId"' in shown  # the template is printed as it reads
    assert requests[1].cli() == "aws apigateway put-integration --cli-input-json file://request.json"
    assert "apiKeyRequired" not in method  # API keys are notebook 10's; a keyed method says so:
    keyed = dataclasses.replace(post, api_key_required=True)
    assert lab.method_requests("api1", "res1", keyed, role_arn="r", validator_id="v")[0].params["apiKeyRequired"]


def test_invoke_url_on_aws(monkeypatch):
    monkeypatch.setenv("LAB_BACKEND", "aws")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    assert lab.invoke_url("abc123") == "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"


# --- cleanup -----------------------------------------------------------------------------------

def test_delete_everything_in_dependency_order(env, roles):
    lab.ensure_workshop(upto=2)
    deleted = lab.delete_everything("labtest")
    assert f"role {PREFIX}-lambda-role" in deleted and f"table {PREFIX}-orders" in deleted
    assert deleted.index(f"table {PREFIX}-orders") < deleted.index(f"role {PREFIX}-lambda-role")
    with pytest.raises(ClientError):
        lab.client("dynamodb").describe_table(TableName=f"{PREFIX}-orders")
    assert lab.delete_everything("labtest") == []
