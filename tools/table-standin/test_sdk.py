"""Drives the stand-in with Microsoft's azure-data-tables SDK to show it behaves as the service does.

Run with the SDK installed: python -m unittest test_sdk (STANDIN_URL=http://127.0.0.1:PORT to use a
running stand-in; otherwise one is started on a free port).
"""

import base64
import datetime
import json
import os
import subprocess
import sys
import unittest
import urllib.request
import uuid

from azure.core.credentials import AzureNamedKeyCredential, AzureSasCredential
from azure.core.exceptions import (ClientAuthenticationError, HttpResponseError, ResourceExistsError,
                                   ResourceModifiedError, ResourceNotFoundError)
from azure.core import MatchConditions
from azure.data.tables import (EdmType, EntityProperty, TableServiceClient, TableTransactionError, UpdateMode)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import table_standin  # noqa: E402

_process = None


def setUpModule():
    global _process, BASE
    BASE = os.environ.get("STANDIN_URL")
    if not BASE:
        _process = subprocess.Popen([sys.executable, os.path.join(HERE, "table_standin.py"), "--port", "0"],
                                    stdout=subprocess.PIPE, text=True)
        port = int(_process.stdout.readline().split()[-1])
        BASE = "http://127.0.0.1:%d" % port


def tearDownModule():
    if _process is not None:
        _process.terminate()
        _process.wait(timeout=10)
        _process.stdout.close()


def endpoint():
    return BASE + "/" + table_standin.ACCOUNT


def service(key=table_standin.ACCOUNT_KEY):
    return TableServiceClient(endpoint=endpoint(), credential=AzureNamedKeyCredential(table_standin.ACCOUNT, key))


def control(path, payload=None):
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(BASE + path, data=data, method="GET" if data is None else "POST")
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def code_of(error):
    """The service error code the SDK saw: its parsed code, else the x-ms-error-code header."""
    code = getattr(error, "error_code", None)
    return str(getattr(code, "value", code) or error.response.headers.get("x-ms-error-code"))


def new_table(client):
    name = "sdk" + uuid.uuid4().hex[:12]
    return client.create_table(name)


class TablesTests(unittest.TestCase):
    def test_create_list_delete_and_duplicate(self):
        client = service()
        table = new_table(client)
        with self.assertRaises(ResourceExistsError) as context:
            client.create_table(table.table_name)
        self.assertEqual(code_of(context.exception), "TableAlreadyExists")
        pages = list(client.list_tables(results_per_page=1).by_page())
        self.assertTrue(any(t.name == table.table_name for page in pages for t in page))
        client.delete_table(table.table_name)
        self.assertFalse(any(t.name == table.table_name for t in client.list_tables()))

    def test_wrong_key_is_refused(self):
        wrong = base64.b64encode(b"not the key").decode()
        with self.assertRaises(ClientAuthenticationError):
            list(service(wrong).list_tables())

    def test_sas_token_is_accepted(self):
        table = new_table(service())
        client = TableServiceClient(endpoint=endpoint(), credential=AzureSasCredential(table_standin.SAS_TOKEN))
        client.get_table_client(table.table_name).create_entity({"PartitionKey": "p", "RowKey": "r"})
        self.assertEqual(len(list(table.list_entities())), 1)


class EntityTests(unittest.TestCase):
    def setUp(self):
        self.table = new_table(service())

    def test_every_type_round_trips(self):
        when = datetime.datetime(2024, 1, 1, 0, 15, 0, 123456, tzinfo=datetime.timezone.utc)
        guid = uuid.UUID("0f8fad5b-d9cb-469f-a165-70867728950e")
        self.table.create_entity({
            "PartitionKey": "p", "RowKey": "r", "Big": EntityProperty(9007199254740993, EdmType.INT64),
            "Small": 7, "Ratio": 0.1, "Flag": True, "When": when, "Id": guid, "Blob": b"\x00\x01\xff", "Text": "O'Brien ü"})
        entity = self.table.get_entity("p", "r")
        self.assertEqual(entity["Big"].value, 9007199254740993)
        self.assertEqual(entity["Big"].edm_type, EdmType.INT64)
        self.assertEqual(entity["Small"], 7)
        self.assertEqual(entity["Ratio"], 0.1)
        self.assertIs(entity["Flag"], True)
        self.assertEqual(entity["When"], when)
        self.assertEqual(entity["When"].tables_service_value, "2024-01-01T00:15:00.1234560Z")
        self.assertEqual(entity["Id"], guid)
        self.assertEqual(entity["Blob"], b"\x00\x01\xff")
        self.assertEqual(entity["Text"], "O'Brien ü")
        self.assertTrue(entity.metadata["etag"].startswith("W/\"datetime'"))

    def test_insert_twice_conflicts(self):
        self.table.create_entity({"PartitionKey": "p", "RowKey": "r"})
        with self.assertRaises(ResourceExistsError) as context:
            self.table.create_entity({"PartitionKey": "p", "RowKey": "r"})
        self.assertEqual(code_of(context.exception), "EntityAlreadyExists")

    def test_upsert_merge_and_replace(self):
        self.table.upsert_entity({"PartitionKey": "p", "RowKey": "r", "A": "1"}, mode=UpdateMode.MERGE)
        self.table.upsert_entity({"PartitionKey": "p", "RowKey": "r", "B": "2"}, mode=UpdateMode.MERGE)
        self.assertEqual({k: v for k, v in self.table.get_entity("p", "r").items()}, {"PartitionKey": "p", "RowKey": "r", "A": "1", "B": "2"})
        self.table.upsert_entity({"PartitionKey": "p", "RowKey": "r", "C": "3"}, mode=UpdateMode.REPLACE)
        self.assertEqual(set(self.table.get_entity("p", "r").keys()), {"PartitionKey", "RowKey", "C"})

    def test_stale_etag_fails_with_412(self):
        self.table.create_entity({"PartitionKey": "p", "RowKey": "r", "V": 1})
        first = self.table.get_entity("p", "r")
        self.table.update_entity({"PartitionKey": "p", "RowKey": "r", "V": 2}, etag=first.metadata["etag"],
                                 match_condition=MatchConditions.IfNotModified)
        with self.assertRaises(ResourceModifiedError) as context:
            self.table.update_entity({"PartitionKey": "p", "RowKey": "r", "V": 3}, etag=first.metadata["etag"],
                                     match_condition=MatchConditions.IfNotModified)
        self.assertEqual(context.exception.status_code, 412)
        self.assertEqual(self.table.get_entity("p", "r")["V"], 2)

    def test_delete_and_missing_entity(self):
        self.table.create_entity({"PartitionKey": "p", "RowKey": "r"})
        self.table.delete_entity("p", "r")
        with self.assertRaises(ResourceNotFoundError):
            self.table.get_entity("p", "r")

    def test_special_keys_round_trip_through_filters(self):
        for value in ["O'Brien", "t!est", "a&b", "50%", "a+b", "ü", "''"]:
            self.table.create_entity({"PartitionKey": value, "RowKey": value, "Value": value})
            found = list(self.table.query_entities("PartitionKey eq @pk and RowKey eq @rk", parameters={"pk": value, "rk": value}))
            self.assertEqual([e["Value"] for e in found], [value])
            self.assertEqual(self.table.get_entity(value, value)["Value"], value)
            self.table.delete_entity(value, value)
            self.assertEqual(list(self.table.query_entities("Value eq @v", parameters={"v": value})), [])

    def test_forbidden_key_characters_are_refused(self):
        for key in ["x#y", "a/b", "c\\d", "q?"]:
            with self.assertRaises(HttpResponseError) as context:
                self.table.create_entity({"PartitionKey": "p", "RowKey": key})
            self.assertEqual(context.exception.status_code, 400)

    def test_oversized_values_are_refused(self):
        for text in ["a" * 40000, "😀" * 20000]:
            with self.assertRaises(HttpResponseError) as context:
                self.table.create_entity({"PartitionKey": "p", "RowKey": "r", "Text": text})
            self.assertEqual(code_of(context.exception), "PropertyValueTooLarge")
        self.table.create_entity({"PartitionKey": "p", "RowKey": "r", "Text": "😀" * 16384})


class QueryTests(unittest.TestCase):
    def setUp(self):
        self.table = new_table(service())

    def fill(self, partition, count, match):
        for start in range(0, count, 100):
            self.table.submit_transaction([("upsert", {"PartitionKey": partition, "RowKey": "%s%05d" % (partition, i),
                                                       "Match": match}) for i in range(start, min(start + 100, count))])

    def test_empty_first_page_then_pages_of_1000(self):
        self.fill("a", 1500, False)
        self.fill("b", 2500, True)
        control("/_standin/config", {"table": self.table.table_name, "scanLimit": 1500})
        pages = [list(page) for page in self.table.query_entities("Match eq true").by_page()]
        self.assertEqual([len(p) for p in pages], [0, 1000, 1000, 500])
        keys = [e["RowKey"] for page in pages for e in page]
        self.assertEqual(len(set(keys)), 2500)

    def test_filters_with_types_and_select(self):
        self.table.create_entity({"PartitionKey": "p", "RowKey": "1", "N": 5, "Big": EntityProperty(5, EdmType.INT64), "S": "x"})
        self.assertEqual(len(list(self.table.query_entities("N eq 5 and Big eq 5L"))), 1)
        self.assertEqual(len(list(self.table.query_entities("N eq 5L"))), 0)
        self.assertEqual(len(list(self.table.query_entities("Missing ne 'x'"))), 0)
        selected = list(self.table.query_entities("N ge 1", select=["S"]))
        self.assertEqual(selected[0]["S"], "x")
        self.assertNotIn("N", selected[0])

    def test_bad_filter_is_a_400(self):
        with self.assertRaises(HttpResponseError) as context:
            list(self.table.query_entities("N eq"))
        self.assertEqual(context.exception.status_code, 400)


class TransactionTests(unittest.TestCase):
    def setUp(self):
        self.table = new_table(service())

    def test_transaction_applies_all(self):
        self.table.create_entity({"PartitionKey": "p", "RowKey": "old"})
        result = self.table.submit_transaction([
            ("create", {"PartitionKey": "p", "RowKey": "a"}),
            ("upsert", {"PartitionKey": "p", "RowKey": "b", "V": 1}, {"mode": UpdateMode.MERGE}),
            ("delete", {"PartitionKey": "p", "RowKey": "old"})])
        self.assertEqual(len(result), 3)
        self.assertEqual(sorted(e["RowKey"] for e in self.table.list_entities()), ["a", "b"])

    def test_failed_transaction_rolls_back_and_names_the_index(self):
        self.table.create_entity({"PartitionKey": "p", "RowKey": "taken"})
        with self.assertRaises(TableTransactionError) as context:
            self.table.submit_transaction([("create", {"PartitionKey": "p", "RowKey": "new"}),
                                           ("create", {"PartitionKey": "p", "RowKey": "taken"})])
        self.assertEqual(context.exception.index, 1)
        self.assertEqual(context.exception.error_code, "EntityAlreadyExists")
        self.assertEqual([e["RowKey"] for e in self.table.list_entities()], ["taken"])

    def test_more_than_100_operations_or_two_partitions_are_refused(self):
        with self.assertRaises((TableTransactionError, HttpResponseError, ValueError)):
            self.table.submit_transaction([("create", {"PartitionKey": "p", "RowKey": str(i)}) for i in range(101)])
        with self.assertRaises((TableTransactionError, HttpResponseError, ValueError)):
            self.table.submit_transaction([("create", {"PartitionKey": "p", "RowKey": "1"}),
                                           ("create", {"PartitionKey": "q", "RowKey": "2"})])
        self.assertEqual(list(self.table.list_entities()), [])

    def test_batches_are_counted(self):
        before = control("/_standin/stats?table=" + self.table.table_name)["batches"]
        self.table.submit_transaction([("create", {"PartitionKey": "p", "RowKey": str(i)}) for i in range(100)])
        after = control("/_standin/stats?table=" + self.table.table_name)
        self.assertEqual(after["batches"] - before, 1)
        self.assertEqual(after["largestBatch"], 100)


if __name__ == "__main__":
    unittest.main()
