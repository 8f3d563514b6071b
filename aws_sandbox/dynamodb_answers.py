"""DynamoDB answers shaped as AWS's (LocalStack's AWS-recorded ``test_table_crud``,
``test_gsi_with_billing_mode``, ``test_table_warm_throughput``, ``test_batch_write_items``,
``test_transaction_write_items`` in ``test_dynamodb.snapshot.json``).

BatchWriteItem and TransactWriteItems answer ``ConsumedCapacity`` only when the request asks for it
(``ReturnConsumedCapacity`` TOTAL or INDEXES; TOTAL without the per-table breakdown) and
``ItemCollectionMetrics`` only for ``ReturnItemCollectionMetrics: SIZE``: moto always sent both.

moto describes a table the same way in every answer. AWS's descriptions differ:
- every table has a ``TableId`` (a UUID for the table's life); moto gave none;
- no empty ``GlobalSecondaryIndexes``/``LocalSecondaryIndexes`` lists, and ``BillingModeSummary``
  only for an on-demand table;
- CreateTable answers ``TableStatus: CREATING`` (moto's table is ACTIVE at once, and DescribeTable
  says so: the waiters and the kit wait on DescribeTable), with ``WarmThroughput`` only when the
  request asked for it, none for the indexes;
- DeleteTable answers ``TableStatus: DELETING`` with the table's name, ids, throughput and sizes
  only (no key schema, attributes or dates).
"""
from __future__ import annotations

import functools
import uuid

from .patching import replace

DELETED_FIELDS = ("BillingModeSummary", "DeletionProtectionEnabled", "ItemCount", "ProvisionedThroughput", "TableArn",
                  "TableId", "TableName", "TableSizeBytes", "TableStatus")


def only_what_was_asked(handler):
    """moto's write handler, its answer without the capacity and metrics the request did not ask for."""
    @functools.wraps(handler)
    def answer(self):
        result = handler(self)
        body = result.result
        capacity = self.body.get("ReturnConsumedCapacity", "NONE")
        if capacity == "NONE":
            body.pop("ConsumedCapacity", None)
        elif capacity == "TOTAL":
            for consumed in body.get("ConsumedCapacity", ()):
                consumed.pop("Table", None)
        if self.body.get("ReturnItemCollectionMetrics", "NONE") != "SIZE":
            body.pop("ItemCollectionMetrics", None)
        return result
    return answer


def install() -> None:
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler

    original_describe = Table.describe

    @functools.wraps(original_describe)
    def describe(self, base_key: str = "TableDescription"):
        answer = original_describe(self, base_key)
        table = answer[base_key]
        table["TableId"] = self.__dict__.setdefault("_lab_table_id", str(uuid.uuid4()))
        for indexes in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if not table.get(indexes):
                table.pop(indexes, None)
        if self.billing_mode != "PAY_PER_REQUEST":
            table.pop("BillingModeSummary", None)
        return answer

    original_create = DynamoHandler.create_table

    @functools.wraps(original_create)
    def create_table(self):
        result = original_create(self)
        table = result.result["TableDescription"]
        table["TableStatus"] = "CREATING"
        if "WarmThroughput" not in self.body:
            table.pop("WarmThroughput", None)
        for index in table.get("GlobalSecondaryIndexes", ()):
            index.pop("WarmThroughput", None)
        return result

    original_delete = DynamoHandler.delete_table

    @functools.wraps(original_delete)
    def delete_table(self):
        result = original_delete(self)
        table = result.result["TableDescription"]
        table["TableStatus"] = "DELETING"
        for field in set(table) - set(DELETED_FIELDS):
            del table[field]
        return result

    for name in ("batch_write_item", "transact_write_items"):
        replace(DynamoHandler, name, only_what_was_asked(getattr(DynamoHandler, name)))
    replace(Table, "describe", describe)
    replace(DynamoHandler, "create_table", create_table)
    replace(DynamoHandler, "delete_table", delete_table)
