"""The stand-in's rules checked directly (no SDK needed): batch limits and rollback, key and size
limits, ETags, paging, filters and continuation tokens."""

import unittest

import edm
import odata_filter
from store import ServiceError, Store
from table_standin import decode_token, encode_token, parse_resource


class StoreRules(unittest.TestCase):
    def setUp(self):
        self.store = Store()
        self.store.create_table("Rules")

    def write(self, operation, partition, row, properties=None, if_match=None):
        return self.store.write("Rules", operation, partition, row, properties or {}, if_match)

    def test_batch_of_101_operations_is_refused(self):
        operations = [("insert", "p", str(i), {}, None) for i in range(101)]
        with self.assertRaises(ServiceError) as context:
            self.store.batch("Rules", operations)
        self.assertEqual((context.exception.status, context.exception.code), (400, "InvalidInput"))

    def test_batch_over_two_partitions_is_refused_with_the_index(self):
        with self.assertRaises(ServiceError) as context:
            self.store.batch("Rules", [("insert", "p", "1", {}, None), ("insert", "q", "2", {}, None)])
        self.assertEqual(context.exception.code, "CommandsInBatchActOnDifferentPartitions")
        self.assertTrue(context.exception.message.startswith("1:"))

    def test_failed_batch_rolls_back(self):
        self.write("insert", "p", "taken")
        with self.assertRaises(ServiceError) as context:
            self.store.batch("Rules", [("insert", "p", "new", {}, None), ("insert", "p", "taken", {}, None)])
        self.assertTrue(context.exception.message.startswith("1:"))
        entities, _ = self.store.query("Rules", None, 1000, None)
        self.assertEqual([e["RowKey"] for e in entities], ["taken"])

    def test_etags_change_and_preconditions_hold(self):
        first = self.write("insert", "p", "r")["etag"]
        second = self.write("replace", "p", "r", {}, first)["etag"]
        self.assertNotEqual(first, second)
        with self.assertRaises(ServiceError) as context:
            self.write("merge", "p", "r", {}, first)
        self.assertEqual(context.exception.status, 412)

    def test_forbidden_keys_and_sizes(self):
        for key in ["a/b", "x#y", "q?", "c\\d", "tab\t"]:
            with self.assertRaises(ServiceError):
                self.write("insert", key, "r")
        with self.assertRaises(ServiceError) as context:
            self.write("insert", "p", "r", {"S": (edm.STRING, "😀" * 20000)})
        self.assertEqual(context.exception.code, "PropertyValueTooLarge")
        with self.assertRaises(ServiceError) as context:
            self.write("insert", "p", "r", {"P%d" % i: (edm.INT32, i) for i in range(253)})
        self.assertEqual(context.exception.code, "TooManyProperties")

    def test_pages_stop_at_the_scan_limit_with_a_continuation(self):
        for i in range(30):
            self.write("insert", "p", "%02d" % i, {"M": (edm.BOOLEAN, i >= 20)})
        self.store.configure("Rules", 10)
        node = odata_filter.parse("M eq true")
        page, next_key = self.store.query("Rules", node, 1000, None)
        self.assertEqual((page, next_key), ([], ("p", "10")))
        page, next_key = self.store.query("Rules", node, 1000, next_key)
        self.assertEqual((page, next_key), ([], ("p", "20")))
        page, next_key = self.store.query("Rules", node, 5, next_key)
        self.assertEqual(([e["RowKey"] for e in page], next_key), (["20", "21", "22", "23", "24"], ("p", "25")))


class Parsing(unittest.TestCase):
    def test_filter_types_are_strict(self):
        node = odata_filter.parse("N eq 5")
        self.assertTrue(odata_filter.matches(node, lambda name: (edm.INT32, 5)))
        self.assertFalse(odata_filter.matches(node, lambda name: (edm.INT64, 5)))
        self.assertFalse(odata_filter.matches(odata_filter.parse("N ne 5"), lambda name: None))

    def test_filter_limits(self):
        with self.assertRaises(odata_filter.FilterError):
            odata_filter.parse(" or ".join(["A eq %d" % i for i in range(16)]))
        with self.assertRaises(odata_filter.FilterError):
            odata_filter.parse("A eq 99999999999")

    def test_resource_paths_unescape_quotes(self):
        self.assertEqual(parse_resource("/t(PartitionKey='O''Brien',RowKey='a,b)')"), ("t", ("O'Brien", "a,b)")))
        self.assertEqual(parse_resource("/t()"), ("t", None))

    def test_continuation_tokens_round_trip(self):
        for key in ["", "p", "ü/x", "a'b"]:
            self.assertEqual(decode_token(encode_token(key)), key)

    def test_datetime_keeps_100_ns(self):
        ticks = edm.parse_datetime("2024-01-01T00:15:00.1234567Z")
        self.assertEqual(edm.format_datetime(ticks), "2024-01-01T00:15:00.1234567Z")


if __name__ == "__main__":
    unittest.main()
