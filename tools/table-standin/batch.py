"""The multipart/mixed bodies of entity group transactions ($batch), both ways."""

import json
import re


class BatchError(ValueError):
    """A batch body that cannot be read."""


def _boundary(content_type):
    match = re.search(r'boundary="?([^";]+)"?', content_type or "")
    if not match:
        raise BatchError("multipart/mixed needs a boundary")
    return match.group(1)


def _parts(body, boundary):
    delimiter = b"--" + boundary.encode("ascii")
    pieces = body.split(delimiter)
    if len(pieces) < 3:
        raise BatchError("the multipart body has no parts")
    parts = []
    for piece in pieces[1:]:
        if piece.startswith(b"--"):
            break
        parts.append(piece.lstrip(b"\r\n"))
    return parts


def _split_head(data):
    for separator in (b"\r\n\r\n", b"\n\n"):
        if separator in data:
            head, body = data.split(separator, 1)
            return head.decode("utf-8"), body
    return data.decode("utf-8"), b""


def _headers(head_lines):
    headers = {}
    for line in head_lines:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return headers


def parse(content_type, body):
    """The operations of a batch: dicts with method, url, headers (lower-case names) and body."""
    outer = _parts(body, _boundary(content_type))
    if len(outer) != 1:
        raise BatchError("a batch must hold exactly one change set")
    head, inner_body = _split_head(outer[0])
    changeset_type = _headers(head.splitlines()).get("content-type", "")
    if not changeset_type.startswith("multipart/mixed"):
        raise BatchError("the batch part must be a multipart/mixed change set")
    operations = []
    for part in _parts(inner_body, _boundary(changeset_type)):
        _, request = _split_head(part)
        request_head, request_body = _split_head(request)
        lines = request_head.splitlines()
        if not lines:
            raise BatchError("a change set part holds no request")
        fields = lines[0].split(" ")
        if len(fields) < 2:
            raise BatchError("malformed request line %r" % lines[0])
        request_body = request_body.rstrip(b"\r\n")
        operations.append({"method": fields[0].upper(), "url": fields[1], "headers": _headers(lines[1:]),
                           "body": request_body})
    return operations


def success_response(boundary, results):
    changeset = "changesetresponse_" + boundary.split("_", 1)[-1]
    lines = ["--" + boundary, "Content-Type: multipart/mixed; boundary=" + changeset, ""]
    for index, (operation, entity) in enumerate(results):
        lines += ["--" + changeset, "Content-Type: application/http", "Content-Transfer-Encoding: binary", "",
                  "HTTP/1.1 204 No Content", "Content-ID: %d" % (index + 1), "X-Content-Type-Options: nosniff",
                  "Cache-Control: no-cache", "DataServiceVersion: 1.0;"]
        if entity is not None:
            lines.append("ETag: " + entity["etag"])
        lines.append("")
    lines += ["--" + changeset + "--", "--" + boundary + "--", ""]
    return "\r\n".join(lines).encode("utf-8")


def error_response(boundary, status, code, payload):
    changeset = "changesetresponse_" + boundary.split("_", 1)[-1]
    reasons = {400: "Bad Request", 404: "Not Found", 409: "Conflict", 412: "Precondition Failed", 413: "Request Entity Too Large"}
    body = json.dumps(payload)
    lines = ["--" + boundary, "Content-Type: multipart/mixed; boundary=" + changeset, "",
             "--" + changeset, "Content-Type: application/http", "Content-Transfer-Encoding: binary", "",
             "HTTP/1.1 %d %s" % (status, reasons.get(status, "Error")), "X-Content-Type-Options: nosniff",
             "DataServiceVersion: 3.0;", "Content-Type: application/json;odata=minimalmetadata;streaming=true;charset=utf-8",
             "x-ms-error-code: " + code, "", body, "--" + changeset + "--", "--" + boundary + "--", ""]
    return "\r\n".join(lines).encode("utf-8")
