"""Concurrent DynamoDB writes on the sandbox are atomic, as on AWS (moto's are not on their own)."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from botocore.exceptions import ClientError


def table(aws) -> str:
    name = f"atomic-{uuid.uuid4().hex[:8]}"
    aws("dynamodb").create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                                 KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                 AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    return name


def test_concurrent_updates_lose_nothing(aws):
    ddb, name = aws("dynamodb"), table(aws)
    ddb.put_item(TableName=name, Item={"id": {"S": "counter"}, "n": {"N": "0"}})

    def add(_):
        ddb.update_item(TableName=name, Key={"id": {"S": "counter"}}, UpdateExpression="SET n = n + :one",
                        ExpressionAttributeValues={":one": {"N": "1"}})

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(add, range(400)))
    assert ddb.get_item(TableName=name, Key={"id": {"S": "counter"}})["Item"]["n"] == {"N": "400"}


def test_conditional_transactions_never_oversell(aws):
    ddb, name = aws("dynamodb"), table(aws)
    ddb.put_item(TableName=name, Item={"id": {"S": "stock"}, "n": {"N": "25"}})

    def take(i) -> bool:
        try:
            ddb.transact_write_items(TransactItems=[
                {"Put": {"TableName": name, "Item": {"id": {"S": f"order-{i}"}},
                         "ConditionExpression": "attribute_not_exists(id)"}},
                {"Update": {"TableName": name, "Key": {"id": {"S": "stock"}}, "UpdateExpression": "SET n = n - :one",
                            "ConditionExpression": "n >= :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}}])
            return True
        except ClientError as error:
            assert error.response["Error"]["Code"] == "TransactionCanceledException"
            return False

    with ThreadPoolExecutor(8) as pool:
        taken = sum(pool.map(take, range(60)))
    assert taken == 25
    assert ddb.get_item(TableName=name, Key={"id": {"S": "stock"}})["Item"]["n"] == {"N": "0"}
