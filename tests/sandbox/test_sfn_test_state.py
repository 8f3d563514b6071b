"""TestState requests the AWS-recorded cases (tests/conformance/sfn_test_state_cases.json) leave
out: a given context object read from JSONata, INFO's short answer, and the requests AWS refuses."""
from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

PASS = {"Type": "Pass", "QueryLanguage": "JSONata", "End": True,
        "Output": "{% $states.context.Execution.Name & '/' & $states.context.State.Name & '/' & $greeting %}"}
TASK = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "f", "Payload": {}}, "End": True}


def test_context_and_variables_reach_the_state(aws):
    sfn, variables = aws("stepfunctions"), json.dumps({"greeting": "hi"})
    answer = sfn.test_state(definition=json.dumps(PASS), context=json.dumps({"Execution": {"Name": "order-7"}}),
                            variables=variables)
    assert answer["status"] == "SUCCEEDED"
    # The given context is the whole context object, as AWS records for $$: no made-up State in it.
    assert json.loads(answer["output"]) == "order-7//hi"
    assert "inspectionData" not in answer  # INFO, the default, shows none
    made_up = json.loads(sfn.test_state(definition=json.dumps(PASS), variables=variables)["output"])
    assert made_up.startswith("TestState-") and made_up.endswith("/StateName/hi")  # AWS calls it StateName


@pytest.mark.parametrize("request_fields, code, message", [
    ({"definition": json.dumps(TASK)}, "ValidationException", "RoleArn must be specified when testing a Task state"),
    ({"definition": json.dumps({"StartAt": "A", "States": {"A": PASS}}), "stateName": "B"},
     "ValidationException", "State not found in definition"),
    ({"definition": json.dumps({"Type": "Map", "ItemProcessor": {"StartAt": "P", "States": {
        "P": {"Type": "Pass", "End": True}}}, "End": True})}, "InvalidDefinition",
     "TestState API does not support Map or Parallel states. Supported state types include: "
     "[Task, Wait, Pass, Succeed, Fail, Choice]"),
    ({"definition": json.dumps(TASK), "mock": {"result": "{}", "errorOutput": {"error": "E"}}},
     "ValidationException", "A test mock should have only one of the following fields: [result, errorOutput]."),
])
def test_refused_requests_say_why(aws, request_fields, code, message):
    with pytest.raises(ClientError) as refused:
        aws("stepfunctions").test_state(**request_fields)
    assert (refused.value.response["Error"]["Code"], refused.value.response["Error"]["Message"]) == (code, message)
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize("resource", [
    "arn:aws:states:::lambda:invoke.waitForTaskToken",
    "arn:aws:states:::states:startExecution.sync:2",
    "arn:aws:states:::ecs:runTask.sync",
    "arn:aws:states:us-east-1:123456789012:activity:approve",
])
def test_tasks_that_wait_are_tested_only_with_a_mock(aws, resource):
    """AWS's TestState runs Activity tasks and .sync/.waitForTaskToken integrations only mocked."""
    task = {"Type": "Task", "Resource": resource, "Parameters": {"order.$": "$.id"}, "ResultPath": "$.r", "End": True}
    sfn = aws("stepfunctions")
    with pytest.raises(ClientError) as refused:
        sfn.test_state(definition=json.dumps(task), roleArn="arn:aws:iam::123456789012:role/r")
    assert refused.value.response["Error"]["Code"] == "InvalidDefinition"
    mocked = sfn.test_state(definition=json.dumps(task), input='{"id": 7}', inspectionLevel="TRACE",
                            mock={"result": '{"done": true}', "fieldValidationMode": "NONE"})
    assert (mocked["status"], json.loads(mocked["output"])) == ("SUCCEEDED", {"id": 7, "r": {"done": True}})
    assert json.loads(mocked["inspectionData"]["afterParameters"]) == {"order": 7}  # what the task was sent
