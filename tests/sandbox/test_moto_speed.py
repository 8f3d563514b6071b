"""DynamoDB calls answered by moto's DynamoDB handler directly (``moto_speed.handle_dynamodb_request``)
answer exactly as moto's dispatcher and Flask app answered them: status, headers and body."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import ROOT

# In a process of its own with the sandbox's patches: each request goes once through moto's
# dispatcher (on table "tmoto") and once through the lean path (on table "tlean", an identical
# table), and the answers are compared with the table names made alike.
RUNNER = textwrap.dedent('''
    import io, json, re, sys
    from aws_sandbox import awsapi, moto_patches, moto_speed

    moto_patches.install(1)
    moto_app = awsapi.AwsApiApp([], lambda service: None).moto

    def environ(operation, body, **extra):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
                "SERVER_PORT": "4566", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(data),
                "CONTENT_LENGTH": str(len(data)), "CONTENT_TYPE": "application/x-amz-json-1.0",
                "HTTP_HOST": "127.0.0.1:4566", "HTTP_X_AMZ_TARGET": f"DynamoDB_20120810.{operation}",
                "HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/dynamodb/aws4_request, "
                                      "SignedHeaders=host, Signature=0", **extra}

    def by_moto(operation, body, **extra):
        answer = {}
        def start_response(status, headers, exc_info=None):
            answer["status"], answer["headers"] = int(status.split()[0]), headers
        try:
            chunks = moto_app(environ(operation, body, **extra), start_response)
        except Exception as error:  # moto's crash on a request boto3 would not send: the server's 500
            return "moto", 500, {}, type(error).__name__
        return "moto", answer["status"], dict(answer["headers"]), b"".join(chunks).decode()

    def by_lean(operation, body, **extra):
        from werkzeug.wrappers import Request
        try:
            response = moto_speed.handle_dynamodb_request(Request(environ(operation, body, **extra)))
        except Exception as error:
            return "lean", 500, {}, type(error).__name__
        if response is None:
            return ("declined",) + by_moto(operation, body, **extra)[1:]
        return "lean", response.status_code, dict(response.headers), response.get_data(as_text=True)

    def comparable(answer):
        path, status, headers, body = answer
        headers = {k.lower(): v for k, v in headers.items()}
        has_id, has_crc = bool(headers.pop("x-amzn-requestid", None)), bool(headers.pop("x-amz-crc32", None))
        headers.pop("date", None)
        # a creation time may print one digit shorter: the length is checked against the body instead
        length_right = headers.pop("content-length", str(len(body.encode()))) == str(len(body.encode()))
        # a table's creation time and id differ between two tables, whoever creates them
        body = re.sub(r'"(CreationDateTime|TableId)": [^,}]+', r'"\\1": "-"', body.replace("tlean", "tmoto"))
        return [path, status, headers, has_id, has_crc, length_right, body]

    table = {"KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST",
             "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]}
    item = {"id": {"S": "a"}, "n": {"N": "1.50"}, "m": {"M": {"l": {"L": [{"BOOL": True}, {"NULL": True}]}}}}
    cases = [
        ("CreateTable", {**table, "TableName": "T"}, {}),
        ("PutItem", {"TableName": "T", "Item": item}, {}),
        ("PutItem", {"TableName": "T", "Item": item, "ReturnValues": "ALL_OLD"}, {}),
        ("PutItem", {"TableName": "T", "Item": item, "ConditionExpression": "attribute_not_exists(id)"}, {}),
        ("GetItem", {"TableName": "T", "Key": {"id": {"S": "a"}}}, {}),
        ("GetItem", {"TableName": "T", "Key": {"id": {"S": "a"}}, "ProjectionExpression": "n"}, {}),
        ("GetItem", {"TableName": "T", "Key": {"id": {"S": "missing"}}}, {}),
        ("GetItem", {"TableName": "nosuchtable", "Key": {"id": {"S": "a"}}}, {}),
        ("GetItem", {"TableName": "T", "Key": {"wrong": {"S": "a"}}}, {}),
        ("GetItem", b"{not json", {}),
        ("Query", {"TableName": "T", "KeyConditionExpression": "id = :v",
                   "ExpressionAttributeValues": {":v": {"S": "a"}}}, {}),
        ("Scan", {"TableName": "T"}, {}),
        ("UpdateItem", {"TableName": "T", "Key": {"id": {"S": "a"}}, "UpdateExpression": "SET s = :s",
                        "ExpressionAttributeValues": {":s": {"S": "x"}}, "ReturnValues": "ALL_NEW"}, {}),
        ("DeleteItem", {"TableName": "T", "Key": {"id": {"S": "a"}}, "ReturnValues": "ALL_OLD"}, {}),
        ("NoSuchOperation", {}, {}),
        ("GetItem", {"TableName": "T", "Key": {"id": {"S": "a"}}}, {"HTTP_ORIGIN": "http://localhost:8888"}),
    ]
    pairs = []
    for operation, body, extra in cases:
        if isinstance(body, dict) and body.get("TableName") == "T":
            moto_body, lean_body = {**body, "TableName": "tmoto"}, {**body, "TableName": "tlean"}
        else:
            moto_body = lean_body = body
        pairs.append([operation, comparable(by_moto(operation, moto_body, **extra)),
                      comparable(by_lean(operation, lean_body, **extra))])
    json.dump(pairs, sys.stdout)
''')


@pytest.fixture(scope="module")
def pairs(tmp_path_factory) -> list:
    env = {**os.environ, "LAB_SANDBOX_HOME": str(tmp_path_factory.mktemp("moto-speed")), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", RUNNER], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_dynamodb_calls_answer_as_moto_dispatcher_did(pairs):
    for operation, by_moto, by_lean in pairs:
        assert by_lean[1:] == by_moto[1:], operation
    # every well-formed call takes the lean path, errors included; a CORS request is moto's
    assert [lean[0] for _, _, lean in pairs] == ["lean"] * 15 + ["declined"]
    statuses = [moto[1] for _, moto, _ in pairs]
    assert statuses == [200, 200, 200, 400, 200, 200, 200, 400, 400, 500, 200, 200, 200, 200, 500, 200]
    assert all(moto[5] and lean[5] for _, moto, lean in pairs)  # Content-Length is the body's
    assert json.loads(pairs[4][1][6])["Item"]["n"] == {"N": "1.50"}


# Answers of the item operations, as moto's handlers hand them to the serializer (after
# ``dynamo_to_dict``): every attribute type, empty values, nesting; and answers the direct
# path must leave to moto (binary, ConsumedCapacity, another operation).
ITEM_ANSWERS = [
    ("GetItem", {}),
    ("GetItem", {"Item": None}),
    ("GetItem", {"Item": {"id": {"S": "p-1"}, "price": {"N": "29.99"}, "name": {"S": ""}, "ok": {"BOOL": False},
                          "none": {"NULL": True}, "tags": {"SS": ["a", "b"]}, "sizes": {"NS": ["1", "2.5"]},
                          "list": {"L": [{"S": "x"}, {"N": "1"}, {"L": []}, {"M": {}}]},
                          "map": {"M": {"deep": {"M": {"deeper": {"L": [{"BOOL": True}]}}}, "é": {"S": "ü ✓"}}}}}),
    ("PutItem", {}),
    ("PutItem", {"Attributes": {"id": {"S": "o-1"}, "status": {"S": "completed"}}}),
    ("UpdateItem", {"Attributes": {"stock": {"N": "97"}}}),
    ("DeleteItem", {"Attributes": {"id": {"S": "o-1"}}}),
    ("GetItem", {"Item": {"id": {"S": "b"}, "blob": {"B": b"\x00\x01binary"}}}),
    ("GetItem", {"Item": {"id": {"S": "b"}, "blobs": {"BS": [b"a", b"b"]}}}),
    ("GetItem", {"Item": {"id": {"S": "c"}}, "ConsumedCapacity": {"TableName": "t", "CapacityUnits": 0.5}}),
    ("Query", {"Items": [{"id": {"S": "q"}}], "Count": 1, "ScannedCount": 1}),
]


@pytest.mark.parametrize("operation, result", ITEM_ANSWERS, ids=lambda value: str(value)[:40])
def test_item_answers_written_directly_are_what_moto_serialises(operation, result):
    from moto.core.responses import ActionContext, ActionResult, get_service_model
    from moto.core.serialize import get_serializer_class
    from moto.dynamodb.responses import DynamoHandler

    from aws_sandbox import dynamodb_json

    model = get_service_model("dynamodb")
    context = ActionContext(model, model.operation_model(operation), get_serializer_class("dynamodb", "json"),
                            DynamoHandler())
    by_moto = ActionResult.execute_result(ActionResult(result), context)  # moto's own serializer
    direct = dynamodb_json.item_answer_body(operation, result)
    if direct is None:  # left to moto: only what the direct path cannot write unchanged
        assert operation not in dynamodb_json.ITEM_ANSWERS or set(result) - {dynamodb_json.ITEM_ANSWERS[operation]} or \
            "B" in str(result)
    else:
        assert by_moto == (200, {"Content-Type": "application/x-amz-json-1.0"}, direct)


# Task parameters for DynamoDB (what a state's Parameters resolve to): the plain ones the direct
# path writes, and the ones it must leave to botocore (binary, a member the shape lacks, a list
# member, a value of the wrong type).
TASK_REQUESTS = [  # (operation, parameters, written directly)
    ("PutItem", {"TableName": "orders", "Item": {"orderId": {"S": "o-1"}, "total": {"N": "75.48"},
                                                 "items": {"L": [{"M": {"productId": {"S": "p"}, "q": {"N": "2"}}}]},
                                                 "ok": {"BOOL": True}, "none": {"NULL": True}, "tags": {"SS": ["a"]},
                                                 "é": {"S": "ü ✓ \"quoted\""}}}, True),
    ("PutItem", {"TableName": "orders", "Item": {"id": {"S": "x"}}, "ConditionExpression": "attribute_not_exists(id)",
                 "ReturnValues": "ALL_OLD"}, True),
    ("UpdateItem", {"TableName": "stock", "Key": {"id": {"S": "p"}}, "UpdateExpression": "SET #s = #s - :q",
                    "ExpressionAttributeNames": {"#s": "stock"}, "ExpressionAttributeValues": {":q": {"N": "1"}},
                    "ConditionExpression": "#s >= :q"}, True),
    ("GetItem", {"TableName": "products", "Key": {"id": {"S": "p"}}, "ConsistentRead": True}, True),
    ("DeleteItem", {"TableName": "t", "Key": {"id": {"S": "p"}}}, True),
    ("PutItem", {"TableName": "t", "Item": {"id": {"S": "x"}, "blob": {"B": "aGVsbG8="}}}, False),
    ("PutItem", {"TableName": "t", "Item": {"id": {"S": "x"}}, "NotAMember": 1}, False),
    ("GetItem", {"TableName": "t", "Key": {"id": {"S": "p"}}, "AttributesToGet": ["id"]}, False),
    ("GetItem", {"TableName": "t", "Key": {"id": {"S": "p"}}, "ConsistentRead": "yes"}, False),
    ("PutItem", {"TableName": "t", "Item": {"id": {"S": "x", "N": "1"}}}, False),
]


@pytest.mark.parametrize("operation, parameters, plain", TASK_REQUESTS, ids=lambda value: str(value)[:40])
def test_task_requests_written_directly_are_what_botocore_serialises(operation, parameters, plain):
    import botocore.serialize

    from aws_sandbox import dynamodb_json
    from aws_sandbox.request_validation import service_model

    model = service_model("dynamodb").operation_model(operation)
    direct = dynamodb_json.request_body(model.input_shape, parameters)
    serializer = botocore.serialize.create_serializer("json", include_validation=False)
    try:
        by_botocore = serializer.serialize_to_request(parameters, model)["body"]
    except (KeyError, AttributeError, TypeError):  # botocore refuses it: the direct path must not write it
        assert direct is None and not plain
        return
    assert direct is None or direct == by_botocore
    assert (direct is not None) == plain
