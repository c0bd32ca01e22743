#!/usr/bin/env python3
"""Starts the packaged handler the way the Functions host does and checks that it answers.

The handler runs with FUNCTIONS_CUSTOMHANDLER_PORT set, inside ROOT (a chroot; "/" means no chroot)
with the app at APP. Like the host, this polls `GET /` until any HTTP response arrives, then sends
an activity invocation (`POST /LinkTomeActivity`, the envelope sent with chunked transfer encoding,
as the host's HttpClient does), then stops the handler with SIGTERM.

Prints one line per check, `PASS <name>` or `FAIL <name>: <why>`; the first start is checked in full.
With --runs N the handler is started N times and `MEASURE <label> ready_median_ms=...` reports the
time from launch to the first answer to `GET /`.

usage: handler_check.py ROOT APP PORT [--runs N] [--label TEXT]
"""
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import time

ACTIVITY_INPUT = {"Command": "Start-RateLimitCleanup", "Parameters": {}}


def report(ok, name, why=""):
    print(("PASS %s" % name) if ok else ("FAIL %s: %s" % (name, why)), flush=True)
    return ok


def start(root, app, port):
    env = {
        "FUNCTIONS_CUSTOMHANDLER_PORT": str(port),
        "FUNCTIONS_WORKER_RUNTIME": "custom",
        "FUNCTIONS_APP_ROOT_PATH": app,
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": "/tmp",
    }

    def enter():
        if root != "/":
            os.chroot(root)
        os.chdir(app)

    return subprocess.Popen(
        [os.path.join(app, "linktome")],
        env=env,
        preexec_fn=enter,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_ready(process, port, limit=30.0):
    """Polls GET / like the host; returns (milliseconds, response body) or raises."""
    began = time.monotonic()
    while time.monotonic() - began < limit:
        if process.poll() is not None:
            raise RuntimeError("the handler exited with status %d before answering" % process.returncode)
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/")
            response = connection.getresponse()
            body = response.read()
            elapsed = (time.monotonic() - began) * 1000
            connection.close()
            return elapsed, response.status, body
        except (ConnectionRefusedError, ConnectionResetError):
            time.sleep(0.001)
    raise RuntimeError("no answer to GET / within %.0f s" % limit)


def activity_envelope():
    raw = json.dumps(ACTIVITY_INPUT, separators=(",", ":"))
    quoted = json.dumps(raw)
    metadata = {
        "instanceId": json.dumps("0c7d5d3e2f1a4b6c8d9e0f1a2b3c4d5e"),
        "Item": quoted,
        "data": ACTIVITY_INPUT,
        "sys": {"MethodName": "LinkTomeActivity", "UtcNow": "2026-12-03T10:15:00.1234567Z", "RandGuid": "x"},
    }
    return {"Data": {"Item": quoted}, "Metadata": metadata}


def invoke_activity(port):
    body = json.dumps(activity_envelope()).encode()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Azure-Functions-InvocationId": "6351548a-4fe3-42cf-b996-a0e7f4fc11a2",
        "Transfer-Encoding": "chunked",
    }
    connection.request("POST", "/LinkTomeActivity", body=iter([body[:100], body[100:]]), headers=headers,
                       encode_chunked=True)
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    return response.status, response.getheader("Content-Type") or "", payload


def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        status = process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return None, process.stdout.read().decode(errors="replace")
    return status, process.stdout.read().decode(errors="replace")


def one_run(root, app, port, label, full):
    process = start(root, app, port)
    ok = True
    answered = False
    try:
        milliseconds, status, _ = wait_ready(process, port)
        answered = True
        if full:
            ok &= report(True, "%s: answers GET / (HTTP %d) after %.1f ms" % (label, status, milliseconds))
            ok &= check_activity(port, label)
    except Exception as error:  # noqa: BLE001 - any failure is a failed check with its reason
        ok = report(False, "%s: answers GET /" % label, str(error)) if full else False
        milliseconds = None
    status, output = stop(process)
    if full and answered:
        ok &= report(status == 0, "%s: exits 0 on SIGTERM" % label, "status %r" % status)
    if not ok or os.environ.get("VERBOSE"):
        sys.stdout.write("".join("    | %s\n" % line for line in output.splitlines()[-40:]))
    return milliseconds


def check_activity(port, label):
    name = "%s: answers an activity invocation" % label
    try:
        status, content_type, payload = invoke_activity(port)
    except Exception as error:  # noqa: BLE001
        return report(False, name, str(error))
    if status != 200:
        return report(False, name, "HTTP %d: %s" % (status, payload[:300]))
    if not content_type.startswith("application/json"):
        return report(False, name, "Content-Type %r" % content_type)
    try:
        document = json.loads(payload)
    except ValueError as error:
        return report(False, name, "body is not JSON (%s): %r" % (error, payload[:300]))
    if not isinstance(document, dict):
        return report(False, name, "body is not a JSON object: %r" % payload[:300])
    return report(True, "%s (HTTP 200, keys %s)" % (name, ",".join(sorted(document))))


def main():
    arguments = sys.argv[1:]
    runs, label = 1, "handler"
    if "--runs" in arguments:
        index = arguments.index("--runs")
        runs = int(arguments[index + 1])
        del arguments[index:index + 2]
    if "--label" in arguments:
        index = arguments.index("--label")
        label = arguments[index + 1]
        del arguments[index:index + 2]
    if len(arguments) != 3:
        sys.exit(__doc__)
    root, app, port = arguments[0], arguments[1], int(arguments[2])

    measured = []
    for run in range(runs):
        milliseconds = one_run(root, app, port, label, full=(run == 0))
        if milliseconds is None:
            break
        measured.append(milliseconds)
    if runs > 1 and measured:
        print("MEASURE %s ready_median_ms=%.1f min_ms=%.1f max_ms=%.1f runs=%d" % (
            label, statistics.median(measured), min(measured), max(measured), len(measured)), flush=True)


if __name__ == "__main__":
    main()
