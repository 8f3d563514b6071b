"""DynamoDB answers as AWS records them: LocalStack's ``@markers.aws.validated`` tests in
``tests/aws/services/dynamodb/test_dynamodb.py`` and their ``test_dynamodb.snapshot.json``
(commit 8b9a79f05846), replayed on the sandbox."""
from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError


def keyed_table(aws) -> str:
    """A table keyed by ``id`` (hash) and ``sortKey`` (range), as the recorded test makes it."""
    name = f"recorded-{uuid.uuid4().hex[:8]}"
    aws("dynamodb").create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}, {"AttributeName": "sortKey", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"},
                              {"AttributeName": "sortKey", "AttributeType": "S"}])
    return name


def error_of(call) -> dict:
    with pytest.raises(ClientError) as raised:
        call()
    return {"status": raised.value.response["ResponseMetadata"]["HTTPStatusCode"], **raised.value.response["Error"]}


def test_a_batch_put_without_the_key_is_refused_and_writes_nothing(aws):
    # test_batch_write_not_matching_schema: "The provided key element does not match the schema".
    ddb, name = aws("dynamodb"), keyed_table(aws)
    good = {"PutRequest": {"Item": {"id": {"S": "a"}, "sortKey": {"S": "1"}}}}
    faulty = {"PutRequest": {"Item": {"nonKey": {"S": "hello"}}}}
    assert error_of(lambda: ddb.batch_write_item(RequestItems={name: [good, faulty]})) == {
        "status": 400, "Code": "ValidationException", "Message": "The provided key element does not match the schema"}
    assert ddb.scan(TableName=name)["Items"] == []  # moto had written the first request


@pytest.mark.parametrize("request_", [
    {"PutRequest": {"Item": {"id": {"S": "a"}, "sortKey": {"N": "1"}}}},  # a key attribute of the wrong type
    {"DeleteRequest": {"Key": {"id": {"S": "a"}}}},  # half a key
    {"DeleteRequest": {"Key": {"id": {"S": "a"}, "sortKey": {"S": "1"}, "other": {"S": "x"}}}},
], ids=["put-wrong-type", "delete-half-key", "delete-extra-attribute"])
def test_batch_requests_whose_key_does_not_fit_are_refused(aws, request_):
    ddb, name = aws("dynamodb"), keyed_table(aws)
    assert error_of(lambda: ddb.batch_write_item(RequestItems={name: [request_]}))["Message"] == (
        "The provided key element does not match the schema")


def test_a_good_batch_still_writes_and_deletes(aws):
    # test_batch_write_items: the answer is {"UnprocessedItems": {}}.
    ddb, name = aws("dynamodb"), keyed_table(aws)
    ddb.put_item(TableName=name, Item={"id": {"S": "Fred"}, "sortKey": {"S": "1"}})
    answer = ddb.batch_write_item(RequestItems={name: [
        {"DeleteRequest": {"Key": {"id": {"S": "Fred"}, "sortKey": {"S": "1"}}}},
        {"PutRequest": {"Item": {"id": {"S": "Bob"}, "sortKey": {"S": "1"}, "extra": {"N": "2"}}}}]})
    assert answer["UnprocessedItems"] == {}
    assert [item["id"]["S"] for item in ddb.scan(TableName=name)["Items"]] == ["Bob"]


def test_deleting_a_table_that_does_not_exist_names_it(aws):
    # test_table_crud, "delete-non-existent-table".
    assert error_of(lambda: aws("dynamodb").delete_table(TableName="non-existent")) == {
        "status": 400, "Code": "ResourceNotFoundException",
        "Message": "Requested resource not found: Table: non-existent not found"}
