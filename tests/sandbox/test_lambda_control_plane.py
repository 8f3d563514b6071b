"""Lambda control-plane errors as AWS records them: LocalStack's ``@markers.aws.validated`` tests in
``tests/aws/services/lambda_/test_lambda_api.py`` and ``test_lambda_api.snapshot.json`` (commit
8b9a79f05846), replayed on the sandbox. Account and region are the sandbox's."""
from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from .test_lambda_support import deploy, role_arn, zip_of

ECHO = {"app.py": "def handler(event, context):\n    return event\n"}
FUNCTIONS = "arn:aws:lambda:us-east-1:123456789012:function"


def error_of(call) -> dict:
    with pytest.raises(ClientError) as raised:
        call()
    return {"status": raised.value.response["ResponseMetadata"]["HTTPStatusCode"], **raised.value.response["Error"]}


def invalid(message: str) -> dict:
    return {"status": 400, "Code": "InvalidParameterValueException", "Message": message}


def not_found(arn: str) -> dict:
    return {"status": 404, "Code": "ResourceNotFoundException", "Message": f"Function not found: {arn}"}


MISMATCH = invalid("The derived qualifier from the function name does not match the specified qualifier.")


@pytest.mark.parametrize("operation", ["get_function", "get_function_configuration", "delete_function"])
def test_a_qualifier_that_contradicts_the_arn_is_refused(aws, operation):
    # test_ops_with_arn_qualifier_mismatch, "not_match_exception"
    call = getattr(aws("lambda"), operation)
    assert error_of(lambda: call(FunctionName=f"{FUNCTIONS}:some-function:1", Qualifier="$LATEST")) == MISMATCH


@pytest.mark.parametrize("operation", ["get_function", "get_function_configuration"])
def test_a_qualifier_that_agrees_finds_no_missing_function(aws, operation):
    # test_ops_with_arn_qualifier_mismatch, "match_exception" (moto's routes refused "$": an HTML 404)
    call = getattr(aws("lambda"), operation)
    assert error_of(lambda: call(FunctionName=f"{FUNCTIONS}:some-function:$LATEST", Qualifier="$LATEST")) == (
        not_found(f"{FUNCTIONS}:some-function:$LATEST"))


def test_latest_cannot_be_deleted_alone_and_the_function_stays(aws):
    # test_ops_with_arn_qualifier_mismatch[delete_function], "match_exception"
    lam = aws("lambda")
    assert error_of(lambda: lam.delete_function(FunctionName=f"{FUNCTIONS}:some-function:$LATEST",
                                                Qualifier="$LATEST")) == (
        invalid("$LATEST version cannot be deleted without deleting the function."))
    name = deploy(aws, ECHO)
    assert error_of(lambda: lam.delete_function(FunctionName=name, Qualifier="$LATEST"))["status"] == 400
    assert lam.invoke(FunctionName=name, Payload=b'{"still": "here"}')["Payload"].read() == b'{"still": "here"}'
    lam.delete_function(FunctionName=name)  # moto answered 500 here once $LATEST was gone


def test_deleting_a_version_that_is_not_there_succeeds_until_the_function_is_gone(aws):
    # test_delete_on_nonexisting_version
    lam, name = aws("lambda"), deploy(aws, ECHO)
    lam.delete_function(FunctionName=name, Qualifier="1233")
    lam.delete_function(FunctionName=name, Qualifier="1233")
    lam.delete_function(FunctionName=name)
    assert error_of(lambda: lam.delete_function(FunctionName=name)) == not_found(f"{FUNCTIONS}:{name}")
    assert error_of(lambda: lam.delete_function(FunctionName=name, Qualifier="1233")) == (
        not_found(f"{FUNCTIONS}:{name}"))


def test_reserved_concurrency_is_for_the_function_not_a_version(aws):
    # test_function_concurrency_exceptions
    lam = aws("lambda")
    for reserved in (1, 0):
        assert error_of(lambda reserved=reserved: lam.put_function_concurrency(
            FunctionName="doesnotexist", ReservedConcurrentExecutions=reserved)) == (
            not_found(f"{FUNCTIONS}:doesnotexist:$LATEST"))
    name = deploy(aws, ECHO)
    qualified = lam.get_function_configuration(FunctionName=name, Qualifier="$LATEST")["FunctionArn"]
    assert qualified == f"{FUNCTIONS}:{name}:$LATEST"
    assert error_of(lambda: lam.put_function_concurrency(FunctionName=qualified, ReservedConcurrentExecutions=0)) == (
        invalid("This operation is permitted on Lambda functions only. Aliases and versions do not support this "
                "operation. Please specify either a function name or an unqualified function ARN."))
    assert lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)[
        "ReservedConcurrentExecutions"] == 0


def test_a_version_is_published_only_from_the_code_named(aws):
    # test_publish_with_wrong_sha256
    lam, name = aws("lambda"), deploy(aws, ECHO)
    latest = lam.get_function(FunctionName=name)["Configuration"]["CodeSha256"]
    assert error_of(lambda: lam.publish_version(FunctionName=name, CodeSha256="somenonexistentsha256")) == invalid(
        f"CodeSHA256 (somenonexistentsha256) is different from current CodeSHA256 in $LATEST ({latest}). "
        "Please try again with the CodeSHA256 in $LATEST.")
    assert lam.list_versions_by_function(FunctionName=name)["Versions"][-1]["Version"] == "$LATEST"
    published = lam.publish_version(FunctionName=name, CodeSha256=latest)
    assert (published["Version"], published["CodeSha256"]) == ("1", latest)


def test_an_alias_that_exists_is_a_resource_conflict(aws):
    # test_notfound_and_invalid_routingconfigs, "routing_config_exc_already_exist"
    lam, name = aws("lambda"), deploy(aws, ECHO)
    version = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(FunctionName=name, Name="custom", FunctionVersion=version)
    assert error_of(lambda: lam.create_alias(FunctionName=name, Name="custom", FunctionVersion=version)) == {
        "status": 409, "Code": "ResourceConflictException",
        "Message": f"Alias already exists: {FUNCTIONS}:{name}:custom"}


def test_code_that_is_not_a_zip_is_refused_and_nothing_is_created(aws):
    # test_create_lambda_exceptions, "invalid_zip_exc"
    lam = aws("lambda")
    create = dict(FunctionName="broken-zip", Runtime="python3.12", Role=role_arn(aws("iam")), Handler="app.handler")
    assert error_of(lambda: lam.create_function(Code={"ZipFile": b"this is not a zip file"}, **create)) == invalid(
        "Could not unzip uploaded file. Please check your file, then try to upload again.")
    assert error_of(lambda: lam.get_function(FunctionName="broken-zip"))["status"] == 404
    name = deploy(aws, ECHO)
    assert error_of(lambda: lam.update_function_code(FunctionName=name, ZipFile=b"not a zip"))["status"] == 400
    lam.update_function_code(FunctionName=name, ZipFile=zip_of(ECHO))


def test_environment_variables_over_4_kb_are_refused(aws):
    # test_large_environment_variables_fails, test_large_environment_fails_multiple_keys,
    # test_lambda_envvars_near_limit_succeeds: 4,096 bytes of compact JSON pass, one more does not
    lam = aws("lambda")
    message = ("Lambda was unable to configure your environment variables because the environment variables you "
               "have provided exceeded the 4KB limit. String measured: ")
    too_large = {"SMALL_VAR": "ok", "LARGE_VAR": "x" * 4064}
    create = dict(FunctionName="large-envvar", Runtime="python3.12", Role=role_arn(aws("iam")),
                  Handler="app.handler", Code={"ZipFile": zip_of(ECHO)})
    assert error_of(lambda: lam.create_function(Environment={"Variables": too_large}, **create)) == invalid(
        message + '{"SMALL_VAR":"ok","LARGE_VAR":"' + "x" * 4064 + '"}')
    assert error_of(lambda: lam.get_function(FunctionName="large-envvar"))["status"] == 404
    at_limit = {"LARGE_VAR": "x" * (4096 - 7 - len("LARGE_VAR"))}
    name = deploy(aws, ECHO, Environment={"Variables": at_limit})
    assert error_of(lambda: lam.update_function_configuration(
        FunctionName=name, Environment={"Variables": too_large}))["Message"].startswith(message)
    assert lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"] == at_limit


def test_create_and_update_answers_say_the_function_is_being_made_ready(aws):
    # test_function_lifecycle: "create_response", "update_func_conf_response", "update_code_response",
    # "get_function_response*" (the waiters then find the function ready at once)
    lam = aws("lambda")
    name = f"lifecycle-{uuid.uuid4().hex[:8]}"
    created = lam.create_function(FunctionName=name, Runtime="python3.12", Role=role_arn(aws("iam")),
                                  Handler="app.handler", Code={"ZipFile": zip_of(ECHO)})
    assert {key: created.get(key) for key in ("State", "StateReason", "StateReasonCode", "LoggingConfig")} == {
        "State": "Pending", "StateReason": "The function is being created.", "StateReasonCode": "Creating",
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}}
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    updating = {"LastUpdateStatus": "InProgress", "LastUpdateStatusReason": "The function is being created.",
                "LastUpdateStatusReasonCode": "Creating"}
    for update in (lambda: lam.update_function_configuration(FunctionName=name, Timeout=10),
                   lambda: lam.update_function_code(FunctionName=name, ZipFile=zip_of(ECHO))):
        answer = update()
        assert {key: answer.get(key) for key in updating} == updating
        assert answer["State"] == "Active"
        lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    configuration = lam.get_function(FunctionName=name)["Configuration"]
    assert (configuration["State"], configuration["LastUpdateStatus"], configuration["Timeout"]) == (
        "Active", "Successful", 10)
    assert configuration["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
    assert lam.invoke(FunctionName=name, Payload=b'{"ready": true}')["Payload"].read() == b'{"ready": true}'
