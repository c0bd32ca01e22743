"""Measures the time from exec to the first answered `GET /`, the way the Functions host polls a
starting custom handler (it polls every 25 ms; this polls every 0.5 ms for resolution).
Usage: startup.py RUNS COMMAND...  (the port is passed in FUNCTIONS_CUSTOMHANDLER_PORT)
"""
import os
import signal
import socket
import statistics
import subprocess
import sys
import time


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def first_answer(port, deadline):
    while time.perf_counter() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                conn.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                if conn.recv(64).startswith(b"HTTP/1.1 "):
                    return time.perf_counter()
        except OSError:
            time.sleep(0.0005)
    raise RuntimeError("no answer within the deadline")


def main():
    runs, command = int(sys.argv[1]), sys.argv[2:]
    times = []
    for _ in range(runs):
        port = free_port()
        env = dict(os.environ, FUNCTIONS_CUSTOMHANDLER_PORT=str(port))
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        answered = first_answer(port, started + 10)
        times.append((answered - started) * 1000)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
    times.sort()
    print("median_ms=%.1f p90_ms=%.1f min_ms=%.1f max_ms=%.1f runs=%d" % (
        statistics.median(times), times[int(0.9 * (len(times) - 1))], times[0], times[-1], runs))


main()
