"""The stand-in's data: tables of entities under one lock, with the service's rules and limits."""

import copy
import re
import threading
import time
from datetime import datetime, timezone

import edm
import odata_filter

TABLE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]{2,62}$")
PROPERTY_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,254}$")
FORBIDDEN_KEY_CHARACTERS = set("/\\#?") | {chr(c) for c in list(range(0x00, 0x20)) + list(range(0x7F, 0xA0))}
MAX_VALUE_BYTES = 64 * 1024
MAX_ENTITY_BYTES = 1024 * 1024
MAX_CUSTOM_PROPERTIES = 252
MAX_BATCH = 100


class ServiceError(Exception):
    """An error response: status, the x-ms-error-code, and the message."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def json_body(self, request_id):
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")
        return {"odata.error": {"code": self.code, "message": {
            "lang": "en-US", "value": "%s\nRequestId:%s\nTime:%s" % (self.message, request_id, stamp)}}}


def utf8_key(text):
    return text.encode("utf-8", "surrogatepass")


class Store:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with getattr(self, "lock"):
            self.tables = {}          # lower-case name -> {"name": str, "rows": {(pk, rk): entity}}
            self.last_ticks = 0
            self.counters = {}        # table or "*" -> counters
            self.faults = []
            self.scan_limits = {}

    # ---- control --------------------------------------------------------------------------------

    def count(self, table, method, size=None):
        with self.lock:
            for key in ("*", (table or "").lower()):
                counter = self.counters.setdefault(key, {"requests": 0, "writes": 0, "batches": 0, "largestBatch": 0,
                                                         "batchPartitions": 0, "byMethod": {}})
                counter["requests"] += 1
                counter["byMethod"][method] = counter["byMethod"].get(method, 0) + 1
                if method in ("POST", "PUT", "MERGE", "PATCH", "DELETE"):
                    counter["writes"] += 1
                if size is not None:
                    counter["batches"] += 1
                    counter["largestBatch"] = max(counter["largestBatch"], size)

    def note_batch_partitions(self, table, partitions):
        with self.lock:
            for key in ("*", table.lower()):
                counter = self.counters.get(key)
                if counter is not None:
                    counter["batchPartitions"] = max(counter["batchPartitions"], partitions)

    def stats(self, table):
        with self.lock:
            key = "*" if table is None else table.lower()
            return copy.deepcopy(self.counters.get(key, {"requests": 0, "writes": 0, "batches": 0, "largestBatch": 0,
                                                          "batchPartitions": 0, "byMethod": {}}))

    def configure(self, table, scan_limit):
        with self.lock:
            self.scan_limits[table.lower()] = max(1, scan_limit)

    def add_fault(self, table, mode, methods, count):
        if mode not in ("apply-then-503", "apply-then-drop", "fail-503"):
            raise ServiceError(400, "InvalidInput", "unknown fault mode %r" % mode)
        with self.lock:
            self.faults.append({"table": table.lower() if table else None, "mode": mode,
                                "methods": set(methods) if methods else None, "count": count})

    def take_fault(self, table, method):
        """The fault mode to apply to this request, consuming one use of it."""
        with self.lock:
            for fault in self.faults:
                if fault["table"] not in (None, (table or "").lower()):
                    continue
                if fault["methods"] is not None and method not in fault["methods"]:
                    continue
                fault["count"] -= 1
                if fault["count"] <= 0:
                    self.faults.remove(fault)
                return fault["mode"]
        return None

    # ---- tables ---------------------------------------------------------------------------------

    def create_table(self, name):
        if not isinstance(name, str) or not TABLE_NAME.match(name) or name.lower() == "tables":
            raise ServiceError(400, "InvalidResourceName", "The specifed resource name contains invalid characters.")
        with self.lock:
            if name.lower() in self.tables:
                raise ServiceError(409, "TableAlreadyExists", "The table specified already exists.")
            self.tables[name.lower()] = {"name": name, "rows": {}}

    def delete_table(self, name):
        with self.lock:
            if self.tables.pop(name.lower(), None) is None:
                raise ServiceError(404, "ResourceNotFound", "The specified resource does not exist.")

    def list_tables(self, after, top):
        with self.lock:
            names = sorted((t["name"] for t in self.tables.values()), key=lambda n: n.lower())
        if after:
            names = [n for n in names if n.lower() >= after.lower()]
        if len(names) > top:
            return names[:top], names[top]
        return names, None

    def _table(self, name):
        table = self.tables.get(name.lower())
        if table is None:
            raise ServiceError(404, "TableNotFound", "The table specified does not exist.")
        return table

    # ---- entities -------------------------------------------------------------------------------

    def get(self, table_name, partition, row):
        with self.lock:
            entity = self._table(table_name)["rows"].get((partition, row))
            if entity is None:
                raise ServiceError(404, "ResourceNotFound", "The specified resource does not exist.")
            return copy.deepcopy(entity)

    def query(self, table_name, node, top, start):
        """Up to `top` matching entities from `start` on, examining at most the table's scan limit;
        returns (entities, next key or None)."""
        with self.lock:
            table = self._table(table_name)
            limit = self.scan_limits.get(table_name.lower(), 10_000)
            keys = sorted(table["rows"], key=lambda k: (utf8_key(k[0]), utf8_key(k[1])))
            if start is not None:
                first = (utf8_key(start[0]), utf8_key(start[1]))
                keys = [k for k in keys if (utf8_key(k[0]), utf8_key(k[1])) >= first]
            found, scanned = [], 0
            for index, key in enumerate(keys):
                if len(found) >= top or scanned >= limit:
                    return found, key
                scanned += 1
                entity = table["rows"][key]
                if node is None or odata_filter.matches(node, lambda name: lookup(entity, name)):
                    found.append(copy.deepcopy(entity))
            return found, None

    def write(self, table_name, operation, partition, row, properties, if_match):
        with self.lock:
            table = self._table(table_name)
            # `apply` checks everything before it changes anything, so no copy is needed here.
            result = apply(table["rows"], operation, partition, row, properties, if_match, self._next_ticks())
            return copy.deepcopy(result)

    def batch(self, table_name, operations):
        """Applies (operation, pk, rk, properties, if_match) tuples atomically; results per operation."""
        if len(operations) > MAX_BATCH:
            raise ServiceError(400, "InvalidInput", "0:The batch request operation exceeds the maximum 100 changes per change set.")
        if not operations:
            raise ServiceError(400, "InvalidInput", "0:The batch request contains no operations.")
        partitions = {operation[1] for operation in operations}
        for index, operation in enumerate(operations):
            if operation[1] != operations[0][1]:
                raise ServiceError(400, "CommandsInBatchActOnDifferentPartitions",
                                   "%d:All commands in a batch must operate on same entity group." % index)
            if [o[:3] for o in operations].count(operation[:3]) > 1 or \
                    [(o[1], o[2]) for o in operations].count((operation[1], operation[2])) > 1:
                raise ServiceError(400, "InvalidDuplicateRow", "%d:The batch request contains multiple changes with "
                                   "same row key. An entity can appear only once in a batch request." % index)
        with self.lock:
            table = self._table(table_name)
            rows = dict(table["rows"])
            stamp = self._next_ticks()
            results = []
            for index, (operation, partition, row, properties, if_match) in enumerate(operations):
                try:
                    results.append((operation, apply(rows, operation, partition, row, properties, if_match, stamp)))
                except ServiceError as error:
                    raise ServiceError(error.status, error.code, "%d:%s" % (index, error.message))
            table["rows"] = rows
        self.note_batch_partitions(table_name, len(partitions))
        return results

    def _next_ticks(self):
        now = time.time_ns() // 100
        self.last_ticks = max(now, self.last_ticks + 1)
        return self.last_ticks


def lookup(entity, name):
    if name == "PartitionKey":
        return (edm.STRING, entity["PartitionKey"])
    if name == "RowKey":
        return (edm.STRING, entity["RowKey"])
    if name == "Timestamp":
        return (edm.DATETIME, entity["Timestamp"])
    return entity["properties"].get(name)


def etag_for(ticks):
    return "W/\"datetime'%s'\"" % edm.format_datetime(ticks).replace(":", "%3A")


def check_key(name, value):
    if len(value.encode("utf-16-le")) // 2 > 1024:
        raise ServiceError(400, "OutOfRangeInput", "The '%s' parameter is longer than 1 KiB." % name)
    if any(c in FORBIDDEN_KEY_CHARACTERS for c in value):
        raise ServiceError(400, "OutOfRangeInput", "The '%s' parameter of value '%s' is out of range." % (name, value))


def check_entity(partition, row, properties):
    check_key("PartitionKey", partition)
    check_key("RowKey", row)
    if len(properties) > MAX_CUSTOM_PROPERTIES:
        raise ServiceError(400, "TooManyProperties", "The entity contains more properties than allowed.")
    size = 4 + (len(partition.encode("utf-16-le")) + len(row.encode("utf-16-le")))
    for name, pair in properties.items():
        if not PROPERTY_NAME.match(name):
            raise ServiceError(400, "PropertyNameInvalid", "The property name '%s' is invalid." % name)
        if pair[0] == edm.STRING and len(pair[1].encode("utf-16-le", "surrogatepass")) > MAX_VALUE_BYTES or \
                pair[0] == edm.BINARY and len(pair[1]) > MAX_VALUE_BYTES:
            raise ServiceError(400, "PropertyValueTooLarge", "The property value exceeds the maximum allowed size (64KB).")
        size += 8 + len(name.encode("utf-16-le")) + edm.size(pair)
    if size > MAX_ENTITY_BYTES:
        raise ServiceError(400, "EntityTooLarge", "The entity is larger than the maximum allowed size (1MB).")


def apply(rows, operation, partition, row, properties, if_match, stamp):
    """One operation on `rows` (a working copy); returns the stored entity or None for a delete."""
    key = (partition, row)
    existing = rows.get(key)
    if operation != "delete":
        check_entity(partition, row, properties)
    else:
        check_key("PartitionKey", partition)
        check_key("RowKey", row)
    if operation == "insert" and existing is not None:
        raise ServiceError(409, "EntityAlreadyExists", "The specified entity already exists.")
    if operation in ("replace", "merge", "delete"):
        if existing is None:
            raise ServiceError(404, "ResourceNotFound", "The specified resource does not exist.")
        if if_match != "*" and if_match != existing["etag"]:
            raise ServiceError(412, "UpdateConditionNotSatisfied", "The update condition specified in the request was not satisfied.")
    if operation == "delete":
        del rows[key]
        return None
    merged = dict(existing["properties"]) if existing is not None and operation in ("merge", "upsert-merge") else {}
    merged.update(properties)
    if operation in ("merge", "upsert-merge"):
        check_entity(partition, row, merged)
    entity = {"PartitionKey": partition, "RowKey": row, "Timestamp": stamp, "etag": etag_for(stamp), "properties": merged}
    rows[key] = entity
    return entity
