#!/usr/bin/env bash
# Proves the Table Storage stand-in with Microsoft's azure-data-tables SDK, then runs the TableStorage
# tests (Azure backend included) and the `linktome table` commands against it.
#
# Needs python3 (and, on Debian, python3-venv: installed here when missing and running as root).
# The SDK goes into a virtual environment under .build/; nothing is installed system-wide by pip.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${LINKTOME_STANDIN_VENV:-.build/table-standin-venv}"
case "$venv" in /*) ;; *) venv="$PWD/$venv" ;; esac
sdk_version="12.7.0"

if ! command -v python3 >/dev/null; then
    echo "test-table-standin: python3 is required" >&2
    exit 1
fi

# Debian's python3 cannot create a venv with pip until python3-venv is installed.
if [ ! -x "$venv/bin/python" ]; then
    probe="$(mktemp -d)"
    if ! python3 -m venv "$probe/v" >/dev/null 2>&1; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
        else
            echo "test-table-standin: python3 -m venv fails; install python3-venv" >&2
            exit 1
        fi
    fi
    rm -rf "$probe"
    rm -rf "$venv"
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import azure.data.tables" 2>/dev/null; then
    echo "== installing azure-data-tables $sdk_version into $venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "azure-data-tables==$sdk_version"
fi

# Start the stand-in on a free port; it stops with this script.
log="$(mktemp)"
python3 tools/table-standin/table_standin.py --port 0 --exit-with-parent $$ >"$log" 2>&1 &
standin=$!
trap 'kill "$standin" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 100); do
    grep -q "listening on" "$log" && break
    sleep 0.1
done
port="$(sed -n 's/^listening on //p' "$log")"
if [ -z "$port" ]; then
    echo "test-table-standin: the stand-in did not start:" >&2
    cat "$log" >&2
    exit 1
fi
url="http://127.0.0.1:$port"
echo "== stand-in at $url"

echo "== azure-data-tables SDK against the stand-in"
(cd tools/table-standin && STANDIN_URL="$url" "$venv/bin/python" -m unittest -v test_store test_sdk)

echo "== TableStorage tests (memory, SQLite, Azure backend on the stand-in)"
swift build --build-tests -Xswiftc -warnings-as-errors
LINKTOME_TEST_AZURE_URL="$url" swift test --skip-build --filter TableStorageTests

echo "== linktome table against the stand-in"
key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
export LINKTOME_STORAGE="AccountName=devstoreaccount1;AccountKey=$key;TableEndpoint=$url/devstoreaccount1"
tables="$(.build/debug/linktome table list)"
first="$(echo "$tables" | head -n 1)"
echo "$(echo "$tables" | wc -l) tables listed; querying $first"
.build/debug/linktome table query "$first" --top 3 --json
unset LINKTOME_STORAGE

echo "== SQLite store shared by several processes"
.build/debug/linktome table bench --rows 2000 --stream-rows 2000 --processes 4
echo "== table stand-in checks passed"
