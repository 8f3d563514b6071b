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
    assert {key: value for key, value in answer.items() if key != "ResponseMetadata"} == {"UnprocessedItems": {}}
    assert [item["id"]["S"] for item in ddb.scan(TableName=name)["Items"]] == ["Bob"]
    asked = ddb.batch_write_item(ReturnConsumedCapacity="TOTAL", RequestItems={name: [
        {"DeleteRequest": {"Key": {"id": {"S": "Bob"}, "sortKey": {"S": "1"}}}}]})
    assert [set(consumed) for consumed in asked["ConsumedCapacity"]] == [{"TableName", "CapacityUnits"}]
    assert "ItemCollectionMetrics" not in asked


def test_a_transaction_answers_nothing_it_was_not_asked_for(aws):
    # test_transaction_write_items: the answer holds only ResponseMetadata
    ddb, name = aws("dynamodb"), keyed_table(aws)
    answer = ddb.transact_write_items(TransactItems=[
        {"ConditionCheck": {"TableName": name, "ConditionExpression": "attribute_not_exists(id)",
                            "Key": {"id": {"S": "test1"}, "sortKey": {"S": "1"}}}},
        {"Put": {"TableName": name, "Item": {"id": {"S": "test2"}, "sortKey": {"S": "1"}}}},
        {"Update": {"TableName": name, "Key": {"id": {"S": "test3"}, "sortKey": {"S": "1"}},
                    "UpdateExpression": "SET attr1 = :v1", "ExpressionAttributeValues": {":v1": {"S": "value1"}}}},
        {"Delete": {"TableName": name, "Key": {"id": {"S": "test4"}, "sortKey": {"S": "1"}}}}])
    assert set(answer) == {"ResponseMetadata"}
    assert len(ddb.scan(TableName=name)["Items"]) == 2


def test_deleting_a_table_that_does_not_exist_names_it(aws):
    # test_table_crud, "delete-non-existent-table".
    assert error_of(lambda: aws("dynamodb").delete_table(TableName="non-existent")) == {
        "status": 400, "Code": "ResourceNotFoundException",
        "Message": "Requested resource not found: Table: non-existent not found"}


def test_an_on_demand_table_takes_no_capacity(aws):
    # test_dynamodb_pay_per_request
    ddb = aws("dynamodb")
    assert error_of(lambda: ddb.create_table(
        TableName="on-demand-with-capacity", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})) == {
        "status": 400, "Code": "ValidationException",
        "Message": "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits "
                   "can be specified when BillingMode is PAY_PER_REQUEST"}
    assert "on-demand-with-capacity" not in ddb.list_tables()["TableNames"]


def test_a_table_is_described_as_aws_describes_it(aws):
    # test_table_crud: the fields of "create-table", "describe-table" and "delete-table"
    ddb, name = aws("dynamodb"), f"recorded-{uuid.uuid4().hex[:8]}"
    created = ddb.create_table(
        TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})["TableDescription"]
    common = ["AttributeDefinitions", "CreationDateTime", "DeletionProtectionEnabled", "ItemCount", "KeySchema",
              "ProvisionedThroughput", "TableArn", "TableId", "TableName", "TableSizeBytes", "TableStatus"]
    assert sorted(created) == common
    assert created["TableStatus"] == "CREATING"
    assert uuid.UUID(created["TableId"])
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    described = ddb.describe_table(TableName=name)["Table"]
    assert sorted(described) == sorted([*common, "WarmThroughput"])
    assert (described["TableStatus"], described["TableId"]) == ("ACTIVE", created["TableId"])
    assert described["WarmThroughput"] == {"ReadUnitsPerSecond": 5, "Status": "ACTIVE", "WriteUnitsPerSecond": 5}
    deleted = ddb.delete_table(TableName=name)["TableDescription"]
    assert sorted(deleted) == ["DeletionProtectionEnabled", "ItemCount", "ProvisionedThroughput", "TableArn",
                               "TableId", "TableName", "TableSizeBytes", "TableStatus"]
    assert (deleted["TableStatus"], deleted["TableId"]) == ("DELETING", created["TableId"])


def test_an_on_demand_table_with_an_index_is_described_as_aws_describes_it(aws):
    # test_gsi_with_billing_mode[PAY_PER_REQUEST]: "create-table-with-gsi", "describe-table"
    ddb, name = aws("dynamodb"), f"recorded-{uuid.uuid4().hex[:8]}"
    created = ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "TID", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "TID", "AttributeType": "S"},
                              {"AttributeName": "TRID", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "TransactionRecordID", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "TRID", "KeyType": "HASH"}]}])["TableDescription"]
    assert "LocalSecondaryIndexes" not in created and "WarmThroughput" not in created
    assert created["BillingModeSummary"] == {"BillingMode": "PAY_PER_REQUEST"}
    assert "WarmThroughput" not in created["GlobalSecondaryIndexes"][0]
    described = ddb.describe_table(TableName=name)["Table"]
    assert "LocalSecondaryIndexes" not in described
    assert described["GlobalSecondaryIndexes"][0]["WarmThroughput"] == {
        "ReadUnitsPerSecond": 12000, "Status": "ACTIVE", "WriteUnitsPerSecond": 4000}
