#!/usr/bin/env python3
"""A stand-in for Azure Table Storage, for tests: the REST API of one account, kept in memory.

It enforces what the service enforces: SharedKey / SharedKeyLite signatures (or a configured SAS or
bearer token), JSON payloads with odata annotations, key and size limits, ETag preconditions,
1,000-entity pages with opaque continuation tokens, and $batch change sets of at most 100
operations on one partition that roll back as a whole. Errors come back in the service's shape.

Control endpoints (no authentication), for tests:
  GET  /_standin/stats[?table=T]   request, write and batch counters (for one table or all)
  POST /_standin/config            {"table": T, "scanLimit": N}: a page examines at most N entities
  POST /_standin/faults            {"table": T, "mode": "apply-then-503" | "apply-then-drop" | "fail-503",
                                    "methods": [...], "count": N}: misbehave on the next N matching requests
  POST /_standin/reset             forget all tables, counters, faults
  GET  /_standin/identity          a managed identity endpoint (X-IDENTITY-HEADER: standin-identity-secret)

Usage: table_standin.py [--port N] [--host 127.0.0.1]; prints "listening on PORT" when ready.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import sys
import threading
import time
import urllib.parse
import uuid
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import batch
import edm
import odata_filter
from store import ServiceError, Store

ACCOUNT = "devstoreaccount1"
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
SAS_TOKEN = "sv=2019-02-02&ss=t&srt=sco&sp=rwdlacu&se=2099-01-01T00%3A00%3A00Z&sig=standin-test-signature"
BEARER_TOKEN = "standin-test-token"
IDENTITY_SECRET = "standin-identity-secret"
CLOCK_SKEW_SECONDS = 15 * 60


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "TableStandIn/1.0"

    def log_message(self, format, *args):
        if self.server.verbose:
            sys.stderr.write("standin: " + (format % args) + "\n")

    # Every verb goes through one dispatcher.
    def do_GET(self): self.dispatch()
    def do_POST(self): self.dispatch()
    def do_PUT(self): self.dispatch()
    def do_MERGE(self): self.dispatch()
    def do_PATCH(self): self.dispatch()
    def do_DELETE(self): self.dispatch()

    def dispatch(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        raw_path, _, query = self.path.partition("?")
        method = self.command
        if method == "POST" and self.headers.get("X-HTTP-Method"):
            method = self.headers["X-HTTP-Method"].upper()
        try:
            if raw_path.startswith("/_standin/"):
                return self.control(raw_path, query, body)
            self.authenticate(raw_path, query)
            prefix = "/" + ACCOUNT
            if not (raw_path == prefix or raw_path.startswith(prefix + "/")):
                raise ServiceError(400, "InvalidUri", "The requested URI does not represent any resource on the server.")
            path = urllib.parse.unquote(raw_path[len(prefix):], errors="strict")
            params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
            self.route(method, path, params, body)
        except ServiceError as error:
            self.send_error_body(error)
        except (ValueError, UnicodeDecodeError) as error:
            self.send_error_body(ServiceError(400, "InvalidInput", "One of the request inputs is not valid. " + str(error)))

    # ---- authentication -------------------------------------------------------------------------

    def authenticate(self, raw_path, query):
        date = self.headers.get("x-ms-date") or self.headers.get("Date")
        params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        authorization = self.headers.get("Authorization")
        if authorization is None and "sig" in params:
            expected = dict(urllib.parse.parse_qsl(SAS_TOKEN))
            if all(params.get(k) == v for k, v in expected.items()):
                return
            raise ServiceError(403, "AuthenticationFailed", "Signature did not match (SAS).")
        if not date:
            raise ServiceError(403, "AuthenticationFailed", "Request date header not specified.")
        try:
            sent = parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError):
            raise ServiceError(403, "AuthenticationFailed", "The date header is not in RFC 1123 format.")
        if abs(sent - time.time()) > CLOCK_SKEW_SECONDS:
            raise ServiceError(403, "AuthenticationFailed", "Request date is outside the allowed clock skew.")
        if authorization is None:
            raise ServiceError(403, "AuthenticationFailed", "Server failed to authenticate the request.")
        scheme, _, credential = authorization.partition(" ")
        if scheme == "Bearer":
            if credential == BEARER_TOKEN:
                return
            raise ServiceError(403, "AuthenticationFailed", "The bearer token is not valid.")
        account, _, signature = credential.partition(":")
        resource = "/" + ACCOUNT + raw_path
        if "comp" in params:
            resource += "?comp=" + params["comp"]
        if scheme == "SharedKey":
            string_to_sign = "\n".join([self.command, self.headers.get("Content-MD5", ""),
                                        self.headers.get("Content-Type", ""), date, resource])
        elif scheme == "SharedKeyLite":
            string_to_sign = date + "\n" + resource
        else:
            raise ServiceError(403, "AuthenticationFailed", "Unknown authorization scheme %r." % scheme)
        key = base64.b64decode(ACCOUNT_KEY)
        expected = base64.b64encode(hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).digest()).decode()
        if account != ACCOUNT or not hmac.compare_digest(expected, signature):
            raise ServiceError(403, "AuthenticationFailed",
                               "Server failed to authenticate the request. The MAC signature found in the HTTP "
                               "request '%s' is not the same as any computed signature. Server used following "
                               "string to sign: '%s'." % (signature, string_to_sign.replace("\n", "\\n")))

    # ---- routing --------------------------------------------------------------------------------

    def route(self, method, path, params, body):
        store = self.server.store
        if path == "/Tables" or path == "/Tables()":
            if method == "POST":
                name = self.json_body(body).get("TableName")
                store.count(name, method)
                store.create_table(name)
                return self.send_created_table(name)
            if method == "GET":
                names, next_name = store.list_tables(params.get("NextTableName"), int(params.get("$top", 1000)))
                headers = {"x-ms-continuation-NextTableName": next_name} if next_name else {}
                return self.send_json(200, {"odata.metadata": self.metadata_url("Tables"),
                                            "value": [{"TableName": n} for n in names]}, headers)
        if path.startswith("/Tables('") and path.endswith("')") and method == "DELETE":
            name = path[len("/Tables('"):-2]
            store.count(name, method)
            store.delete_table(name)
            return self.send_empty(204)
        if path == "/$batch" and method == "POST":
            return self.handle_batch(body)
        table, keys = parse_resource(path)
        store.count(table, method)
        fault = store.take_fault(table, method)
        if fault == "fail-503":
            raise ServiceError(503, "ServerBusy", "The server is currently unable to receive requests. Please retry your request.")
        status, headers, payload = self.entity_operation(method, table, keys, params, body)
        if fault == "apply-then-503":
            raise ServiceError(503, "ServerBusy", "The server is currently unable to receive requests. Please retry your request.")
        if fault == "apply-then-drop":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if payload is None:
            return self.send_empty(status, headers)
        return self.send_json(status, payload, headers)

    def entity_operation(self, method, table, keys, params, body):
        store = self.server.store
        if method == "GET" and keys is not None:
            entity = store.get(table, *keys)
            select = parse_select(params.get("$select"))
            return 200, {"ETag": entity["etag"]}, self.entity_json(table, entity, select, single=True)
        if method == "GET":
            return self.query(table, params)
        if method == "POST" and keys is None:
            entity = self.entity_from_body(body)
            stored = store.write(table, "insert", entity["PartitionKey"], entity["RowKey"], entity["properties"], None)
            if "return-no-content" in (self.headers.get("Prefer") or ""):
                return 204, {"ETag": stored["etag"], "Preference-Applied": "return-no-content"}, None
            return 201, {"ETag": stored["etag"], "Preference-Applied": "return-content"}, \
                self.entity_json(table, stored, None, single=True)
        if keys is None:
            raise ServiceError(405, "UnsupportedHttpVerb", "The resource doesn't support the specified HTTP verb.")
        if_match = self.headers.get("If-Match")
        if method == "DELETE":
            if if_match is None:
                raise ServiceError(400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request is not specified: If-Match.")
            store.write(table, "delete", keys[0], keys[1], None, if_match)
            return 204, {}, None
        if method in ("PUT", "MERGE", "PATCH"):
            entity = self.entity_from_body(body, keys)
            operation = ("replace" if method == "PUT" else "merge") if if_match else \
                ("upsert-replace" if method == "PUT" else "upsert-merge")
            stored = store.write(table, operation, keys[0], keys[1], entity["properties"], if_match)
            return 204, {"ETag": stored["etag"]}, None
        raise ServiceError(405, "UnsupportedHttpVerb", "The resource doesn't support the specified HTTP verb.")

    def query(self, table, params):
        try:
            node = odata_filter.parse(params["$filter"]) if params.get("$filter") else None
        except odata_filter.FilterError as error:
            raise ServiceError(400, "InvalidInput", "One of the request inputs is not valid. " + str(error))
        top = int(params.get("$top", 1000))
        if not 1 <= top <= 1000:
            raise ServiceError(400, "InvalidInput", "The requested $top is out of range (1..1000).")
        start = None
        if "NextPartitionKey" in params:
            start = (decode_token(params["NextPartitionKey"]), decode_token(params.get("NextRowKey", "")))
        entities, next_key = self.server.store.query(table, node, top, start)
        select = parse_select(params.get("$select"))
        headers = {}
        if next_key is not None:
            headers["x-ms-continuation-NextPartitionKey"] = encode_token(next_key[0])
            headers["x-ms-continuation-NextRowKey"] = encode_token(next_key[1])
        return 200, headers, {"odata.metadata": self.metadata_url(table), "value": [
            self.entity_json(table, entity, select, single=False) for entity in entities]}

    def handle_batch(self, body):
        content_type = self.headers.get("Content-Type", "")
        try:
            operations = batch.parse(content_type, body)
        except batch.BatchError as error:
            raise ServiceError(400, "InvalidInput", "One of the request inputs is not valid. " + str(error))
        prefix = "/" + ACCOUNT
        parsed = []
        for operation in operations:
            url = urllib.parse.urlsplit(operation["url"])
            path = urllib.parse.unquote(url.path)
            if path.startswith(prefix + "/"):
                path = path[len(prefix):]
            table, keys = parse_resource(path)
            parsed.append((operation, table, keys))
        tables = {table for _, table, _ in parsed}
        for table in tables:
            self.server.store.count(table, "BATCH", size=len(parsed))
        fault = self.server.store.take_fault(next(iter(tables)) if len(tables) == 1 else None, "BATCH")
        boundary = "batchresponse_" + str(uuid.uuid4())
        try:
            if len(tables) != 1:
                raise ServiceError(400, "InvalidInput", "0:All operations of a batch must act on one table.")
            results = self.server.store.batch(next(iter(tables)), [
                self.batch_operation(operation, keys) for operation, _, keys in parsed])
            payload = batch.success_response(boundary, results)
        except ServiceError as error:
            payload = batch.error_response(boundary, error.status, error.code, error.json_body(self.request_id()))
        if fault in ("apply-then-503", "fail-503"):
            raise ServiceError(503, "ServerBusy", "The server is currently unable to receive requests. Please retry your request.")
        self.send_response(202)
        self.send_common_headers()
        self.send_header("Content-Type", "multipart/mixed; boundary=" + boundary)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def batch_operation(self, operation, keys):
        method = operation["method"]
        headers = operation["headers"]
        if method == "POST" and headers.get("x-http-method"):
            method = headers["x-http-method"].upper()
        if_match = headers.get("if-match")
        if method == "POST" and keys is None:
            entity = self.entity_from_body(operation["body"])
            return ("insert", entity["PartitionKey"], entity["RowKey"], entity["properties"], None)
        if keys is None:
            raise ServiceError(400, "InvalidInput", "A batch operation does not address an entity.")
        if method == "DELETE":
            return ("delete", keys[0], keys[1], None, if_match or "*")
        entity = self.entity_from_body(operation["body"], keys)
        if method == "PUT":
            return ("replace" if if_match else "upsert-replace", keys[0], keys[1], entity["properties"], if_match)
        if method in ("MERGE", "PATCH"):
            return ("merge" if if_match else "upsert-merge", keys[0], keys[1], entity["properties"], if_match)
        raise ServiceError(400, "InvalidInput", "Unsupported batch verb %s." % method)

    # ---- payloads -------------------------------------------------------------------------------

    def json_body(self, body):
        try:
            value = json.loads(body.decode("utf-8")) if body else {}
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ServiceError(400, "InvalidInput", "The request body is not valid JSON: %s" % error)
        if not isinstance(value, dict):
            raise ServiceError(400, "InvalidInput", "The request body must be a JSON object.")
        return value

    def entity_from_body(self, body, keys=None):
        document = self.json_body(body)
        partition = document.get("PartitionKey", keys[0] if keys else None)
        row = document.get("RowKey", keys[1] if keys else None)
        if keys and (partition != keys[0] or row != keys[1]):
            raise ServiceError(400, "InvalidInput", "The keys in the body do not match the keys in the URI.")
        if not isinstance(partition, str) or not isinstance(row, str):
            raise ServiceError(400, "PropertiesNeedValue", "The values are not specified for all properties in the entity.")
        properties = {}
        for name, value in document.items():
            if "@" in name or name.startswith("odata.") or name in ("PartitionKey", "RowKey", "Timestamp"):
                continue
            annotation = document.get(name + "@odata.type")
            try:
                properties[name] = edm.from_json(value, annotation)
            except (edm.EdmError, ValueError) as error:
                raise ServiceError(400, "InvalidInput", "One of the request inputs is not valid. %s" % error)
        return {"PartitionKey": partition, "RowKey": row, "properties": properties}

    def entity_json(self, table, entity, select, single):
        accept = self.headers.get("Accept", "")
        full = "fullmetadata" in accept
        none = "nometadata" in accept
        result = {}
        if not none:
            if single:
                result["odata.metadata"] = self.metadata_url(table) + "/@Element"
            result["odata.etag"] = entity["etag"]
            if full:
                result["odata.type"] = ACCOUNT + "." + table
        result["PartitionKey"] = entity["PartitionKey"]
        result["RowKey"] = entity["RowKey"]
        result["Timestamp"] = edm.format_datetime(entity["Timestamp"])
        if not none:
            result["Timestamp@odata.type"] = edm.DATETIME
        for name, pair in sorted(entity["properties"].items()):
            if select is not None and name not in select:
                continue
            value, annotation = edm.to_json(pair)
            result[name] = value
            if annotation and not none:
                result[name + "@odata.type"] = annotation
        return result

    def metadata_url(self, name):
        host = self.headers.get("Host", "127.0.0.1")
        return "http://%s/%s/$metadata#%s" % (host, ACCOUNT, name)

    # ---- responses ------------------------------------------------------------------------------

    def request_id(self):
        return str(uuid.uuid4())

    def send_common_headers(self):
        self.send_header("x-ms-request-id", self.request_id())
        self.send_header("x-ms-version", "2019-02-02")
        self.send_header("Date", formatdate(usegmt=True))
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")

    def send_json(self, status, payload, headers=None):
        data = json.dumps(payload, ensure_ascii=False, allow_nan=False).encode("utf-8")
        self.send_response(status)
        self.send_common_headers()
        accept = self.headers.get("Accept", "")
        flavour = "fullmetadata" if "fullmetadata" in accept else "nometadata" if "nometadata" in accept else "minimalmetadata"
        self.send_header("Content-Type", "application/json;odata=%s;streaming=true;charset=utf-8" % flavour)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_empty(self, status, headers=None):
        self.send_response(status)
        self.send_common_headers()
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def send_created_table(self, name):
        if "return-no-content" in (self.headers.get("Prefer") or ""):
            return self.send_empty(204, {"Preference-Applied": "return-no-content"})
        return self.send_json(201, {"odata.metadata": self.metadata_url("Tables") + "/@Element", "TableName": name})

    def send_error_body(self, error):
        data = json.dumps(error.json_body(self.request_id())).encode("utf-8")
        self.send_response(error.status)
        self.send_common_headers()
        self.send_header("x-ms-error-code", error.code)
        self.send_header("Content-Type", "application/json;odata=minimalmetadata;streaming=true;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    # ---- control API ----------------------------------------------------------------------------

    def control(self, path, query, body):
        store = self.server.store
        params = dict(urllib.parse.parse_qsl(query))
        if path == "/_standin/stats" and self.command == "GET":
            return self.send_plain_json(store.stats(params.get("table")))
        if path == "/_standin/identity" and self.command == "GET":
            return self.identity(params)
        document = json.loads(body or b"{}")
        if path == "/_standin/config" and self.command == "POST":
            store.configure(document["table"], int(document["scanLimit"]))
            return self.send_plain_json({"ok": True})
        if path == "/_standin/faults" and self.command == "POST":
            store.add_fault(document.get("table"), document["mode"], document.get("methods"), int(document.get("count", 1)))
            return self.send_plain_json({"ok": True})
        if path == "/_standin/reset" and self.command == "POST":
            store.reset()
            return self.send_plain_json({"ok": True})
        raise ServiceError(404, "ResourceNotFound", "No such control endpoint.")

    def identity(self, params):
        """The App Service managed identity endpoint: a token for the storage resource."""
        if self.headers.get("X-IDENTITY-HEADER") != IDENTITY_SECRET:
            raise ServiceError(401, "Unauthorized", "X-IDENTITY-HEADER is missing or wrong.")
        if params.get("resource") != "https://storage.azure.com/" or params.get("api-version") != "2019-08-01":
            raise ServiceError(400, "BadRequest", "resource or api-version is wrong.")
        return self.send_plain_json({"access_token": BEARER_TOKEN, "expires_on": str(int(time.time()) + 3600),
                                     "resource": params["resource"], "token_type": "Bearer",
                                     "client_id": params.get("client_id", "system-assigned")})

    def send_plain_json(self, payload):
        data = json.dumps(payload).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def parse_resource(path):
    """'/table', '/table()' or "/table(PartitionKey='a',RowKey='b')" to (table, keys or None)."""
    path = path.lstrip("/")
    if "(" not in path:
        return path, None
    table, _, rest = path.partition("(")
    if not rest.endswith(")"):
        raise ServiceError(400, "InvalidUri", "The requested URI does not represent any resource on the server.")
    inner = rest[:-1]
    if inner == "":
        return table, None
    keys, position = {}, 0
    while position < len(inner):
        name_end = inner.index("=", position)
        name = inner[position:name_end]
        if inner[name_end + 1] != "'":
            raise ServiceError(400, "InvalidUri", "Key values must be quoted.")
        value, cursor = [], name_end + 2
        while True:
            if cursor >= len(inner):
                raise ServiceError(400, "InvalidUri", "Unterminated key literal.")
            char = inner[cursor]
            if char == "'":
                if cursor + 1 < len(inner) and inner[cursor + 1] == "'":
                    value.append("'")
                    cursor += 2
                    continue
                cursor += 1
                break
            value.append(char)
            cursor += 1
        keys[name] = "".join(value)
        position = cursor + 1 if cursor < len(inner) and inner[cursor] == "," else cursor
    if set(keys) != {"PartitionKey", "RowKey"}:
        raise ServiceError(400, "InvalidUri", "The URI must name PartitionKey and RowKey.")
    return table, (keys["PartitionKey"], keys["RowKey"])


def parse_select(text):
    return None if not text else {name.strip() for name in text.split(",") if name.strip()}


def encode_token(key):
    """An opaque continuation token in the service's style ('1!<length>!<base64>')."""
    data = base64.b64encode(key.encode("utf-8")).decode("ascii").replace("=", "-")
    return "1!%d!%s" % (len(data), data)


def decode_token(token):
    try:
        version, length, data = token.split("!", 2)
        if version != "1" or int(length) != len(data):
            raise ValueError
        return base64.b64decode(data.replace("-", "=")).decode("utf-8")
    except ValueError:
        raise ServiceError(400, "InvalidInput", "The continuation token is not valid.")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, verbose):
        super().__init__(address, Handler)
        self.store = Store()
        self.verbose = verbose


def watch_parent(pid, server):
    """Stops the server once `pid` no longer exists, so a test run never leaves it behind."""
    while True:
        time.sleep(1)
        # A parent that exited may linger as a zombie, so watch for being re-parented as well.
        try:
            os.kill(pid, 0)
            alive = os.getppid() == pid
        except ProcessLookupError:
            alive = False
        except PermissionError:
            alive = True
        if not alive:
            server.shutdown()
            return


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=10002)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--exit-with-parent", type=int, metavar="PID", help="stop when process PID is gone")
    arguments = parser.parse_args()
    server = Server((arguments.host, arguments.port), arguments.verbose)
    if arguments.exit_with_parent:
        threading.Thread(target=watch_parent, args=(arguments.exit_with_parent, server), daemon=True).start()
    print("listening on %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
