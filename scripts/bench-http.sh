#!/usr/bin/env bash
# Benchmarks the custom handler's HTTP path in a release build: requests per second and p50/p99
# latency of an activity-style invocation over kept-alive connections (1 and 16 connections), next
# to a minimal Node.js `http` server that parses the same envelope and answers the same body; then
# the time from exec to the first answered `GET /`.
#
#   bash scripts/bench-http.sh            (BENCH_DURATION=seconds per run, BENCH_ROUNDS=runs per case)
#
# Installs wrk (Debian package) when it is missing and this runs as root.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${BENCH_DURATION:-5}
rounds=${BENCH_ROUNDS:-3}
startup_runs=${BENCH_STARTUP_RUNS:-20}

if ! command -v wrk >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
    else
        echo "wrk is missing (sudo apt-get install wrk)" >&2
        exit 1
    fi
fi
for tool in node python3 curl; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$tool is missing" >&2; exit 1; }
done

echo "== release build"
swift build -c release --static-swift-stdlib --product linktome 2>&1 | tail -1
binary=.build/release/linktome

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
python3 bench/make-envelope.py >"$work/body.json"
export BENCH_BODY_FILE="$work/body.json"

# Starts a server whose first output line says `http.port=N`; prints N.
start_server() {
    local name=$1
    shift
    "$@" >"$work/$name.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 500); do
        if grep -q 'http.port=' "$work/$name.log"; then
            sed -n 's/.*http\.port=\([0-9]*\).*/\1/p' "$work/$name.log" | head -1
            return
        fi
        sleep 0.01
    done
    echo "$name did not start" >&2
    exit 1
}

swift_port=$(start_server swift "$binary" serve --port 0 --echo)
node_port=$(start_server node node bench/node-server.js 0)

invoke() {
    curl -sS -D "$work/headers" -H 'Content-Type: application/json; charset=utf-8' \
        --data-binary @"$work/body.json" "http://127.0.0.1:$1/LinkTomeEcho"
}
swift_body=$(invoke "$swift_port")
node_body=$(invoke "$node_port")
if [ "$swift_body" != "$node_body" ]; then
    printf 'the two servers answer differently:\n  swift: %s\n  node:  %s\n' "$swift_body" "$node_body" >&2
    exit 1
fi
echo "== request $(wc -c <"$work/body.json") bytes, answer $(printf %s "$swift_body" | wc -c) bytes (identical from both servers)"

# Runs wrk; prints "requests_per_second p50_us p99_us".
measure() {
    local port=$1 connections=$2
    wrk -t1 -c"$connections" -d"${duration}s" --latency -s bench/post.lua "http://127.0.0.1:$port/LinkTomeEcho" |
        python3 -c '
import re, sys
text = sys.stdin.read()
def micros(value):
    number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 1, "ms": 1000, "s": 1000000}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p50 = micros(re.search(r"\s50%\s+(\S+)", text).group(1))
p99 = micros(re.search(r"\s99%\s+(\S+)", text).group(1))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
if errors:
    sys.exit("non-2xx answers: " + errors.group(1))
print("%.0f %.0f %.0f" % (rps, p50, p99))'
}

# Median of each column over the rounds; runs of the two servers alternate to share background load.
echo "== wrk, ${duration}s per run, median of $rounds runs"
printf '%-8s %5s %12s %10s %10s\n' server conns 'requests/s' 'p50 µs' 'p99 µs'
declare -A result
for connections in 1 16; do
    for server in swift node; do : >"$work/$server-$connections"; done
    for _ in $(seq 1 "$rounds"); do
        measure "$swift_port" "$connections" >>"$work/swift-$connections"
        measure "$node_port" "$connections" >>"$work/node-$connections"
    done
    for server in swift node; do
        line=$(python3 -c '
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
print(" ".join("%.0f" % statistics.median(c) for c in zip(*rows)))' "$work/$server-$connections")
        result[$server-$connections]=$line
        read -r rps p50 p99 <<<"$line"
        printf '%-8s %5s %12s %10s %10s\n' "$server" "$connections" "$rps" "$p50" "$p99"
    done
done

read -r swift_rps16 _ _ <<<"${result[swift-16]}"
read -r node_rps16 _ _ <<<"${result[node-16]}"
read -r _ swift_p50_1 _ <<<"${result[swift-1]}"
read -r _ node_p50_1 _ <<<"${result[node-1]}"
python3 -c '
import sys
rps_ratio = float(sys.argv[1]) / float(sys.argv[2])
p50_ratio = float(sys.argv[3]) / float(sys.argv[4])
print("throughput at 16 connections, swift/node: %.2fx (goal >= 1.0)" % rps_ratio)
print("p50 at 1 connection, swift/node: %.2fx (goal <= 1.5)" % p50_ratio)' \
    "$swift_rps16" "$node_rps16" "$swift_p50_1" "$node_p50_1"

echo "== exec to first answered GET / ($startup_runs runs)"
printf 'swift  %s\n' "$(python3 bench/startup.py "$startup_runs" "$binary")"
printf 'node   %s\n' "$(python3 bench/startup.py "$startup_runs" node bench/node-server.js)"
