"""AWS's payload limits in the sandbox: Step Functions' 256 KiB (refused at StartExecution, a
terminal States.DataLimitExceeded in flight), Lambda's 6 MB and API Gateway's 10 MB."""
from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from tests.conftest import wait_for_execution
from tests.sandbox.test_lambda_support import deploy

BIG_RESULT = {"app.py": """
    def handler(event, context):
        return {"padding": "x" * event["size"]}
"""}


@pytest.fixture(scope="module")
def catching_machine(aws, workflow_role):
    """A Task whose result may be too big, with a Catch on States.ALL (the recipe's pattern)."""
    function = deploy(aws, BIG_RESULT)
    arn = aws("lambda").get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    definition = {"StartAt": "Work", "States": {
        "Work": {"Type": "Task", "Resource": arn, "End": True,
                 "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Recorded"}]},
        "Recorded": {"Type": "Pass", "Result": "caught", "End": True}}}
    return aws("stepfunctions").create_state_machine(
        name=f"limits-{uuid.uuid4().hex[:8]}", definition=json.dumps(definition),
        roleArn=workflow_role)["stateMachineArn"]


def test_a_result_over_256_kib_fails_the_execution_and_states_all_does_not_catch_it(aws, catching_machine):
    sfn = aws("stepfunctions")
    small = wait_for_execution(sfn, sfn.start_execution(stateMachineArn=catching_machine,
                                              input=json.dumps({"size": 1000}))["executionArn"])
    assert small["status"] == "SUCCEEDED"
    big = wait_for_execution(sfn, sfn.start_execution(stateMachineArn=catching_machine,
                                            input=json.dumps({"size": 300_000}))["executionArn"])
    assert big["status"] == "FAILED" and big["error"] == "States.DataLimitExceeded"


def test_start_execution_refuses_input_over_256_kib_and_starts_nothing(aws, catching_machine):
    sfn = aws("stepfunctions")
    fits = json.dumps({"size": 1, "pad": "y" * (256 * 1024 - 100)})
    assert sfn.start_execution(stateMachineArn=catching_machine, name="fits", input=fits)["executionArn"]
    with pytest.raises(ClientError) as caught:
        sfn.start_execution(stateMachineArn=catching_machine, name="too-big",
                            input=json.dumps({"size": 1, "pad": "y" * (256 * 1024)}))
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    names = {e["name"] for e in sfn.list_executions(stateMachineArn=catching_machine)["executions"]}
    assert "fits" in names and "too-big" not in names


def test_lambda_refuses_a_request_over_6_mb_and_a_result_over_6_mb_is_an_error(aws):
    function = deploy(aws, BIG_RESULT)
    with pytest.raises(ClientError) as caught:
        aws("lambda").invoke(FunctionName=function, Payload=json.dumps({"size": 1, "pad": "z" * (6 << 20)}))
    assert caught.value.response["Error"]["Code"] == "RequestTooLargeException"
    # a result may be up to 6291556 bytes, 100 more than a request
    within = aws("lambda").invoke(FunctionName=function, Payload=json.dumps({"size": (6 << 20) + 50 - 15}))
    assert "FunctionError" not in within and len(within["Payload"].read()) == (6 << 20) + 50
    # the AWS-recorded answer of LocalStack's test_lambda_too_large_response (test_lambda.snapshot.json)
    for _ in range(2):  # the function keeps working after it
        answer = aws("lambda").invoke(FunctionName=function, Payload=json.dumps({"size": 6_300_000}))
        assert (answer["StatusCode"], answer["FunctionError"]) == (200, "Unhandled")
        assert json.loads(answer["Payload"].read()) == {
            "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
            "errorType": "Function.ResponseSizeTooLarge"}
