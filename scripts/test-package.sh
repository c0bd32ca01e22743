#!/usr/bin/env bash
# Builds the app package and proves it deploys: the archive's layout and modes, a fully static
# executable, and the packaged handler starting and answering in a Debian 11 (bullseye) and a
# Debian 12 (bookworm) root made with debootstrap, including an HTTPS request to a server whose
# certificate comes from a local test CA the handler was told to trust.
#
# Needs root (debootstrap, chroot, mount) on Debian 12 with the Swift toolchain; installs debootstrap,
# zip, unzip and openssl when missing. The roots are cached under $ROOT_CACHE, so reruns are fast.
#
# usage: scripts/test-package.sh [--skip-build]
# environment:
#   ROOT_CACHE              where the debootstrap roots live (default /var/cache/linktome-roots)
#   LINKTOME_DEBIAN_MIRROR  Debian mirror for debootstrap (default: the one apt is configured with)
#   SUITES                  Debian suites to test in (default "bullseye bookworm")
#   VERBOSE=1               show the handler's output for passing checks too
set -uo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

root_cache="${ROOT_CACHE:-/var/cache/linktome-roots}"
suites="${SUITES:-bullseye bookworm}"
package_args=()
[ "${1:-}" = "--skip-build" ] && package_args+=(--skip-build)

passed=0
failed=0
pass() {
    echo "PASS $1"
    passed=$((passed + 1))
}
fail() {
    echo "FAIL $1"
    failed=$((failed + 1))
}
# check NAME COMMAND...: runs the command quietly and counts the outcome; shows its output on failure.
check() {
    local name="$1" output
    shift
    if output="$("$@" 2>&1)"; then
        pass "$name"
    else
        fail "$name"
        printf '%s\n' "$output" | tail -20 | sed 's/^/    | /'
    fi
}
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" = 0 ]
    exit
}

# --- cleanup: every /proc mounted here is unmounted, every process started here is stopped ---------
mounted=()
pids=()
anchors=()
work="$(mktemp -d /tmp/linktome-package-test.XXXXXX)"
cleanup() {
    local pid mount anchor
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
    for anchor in "${anchors[@]}"; do
        [ -f "$anchor" ] && rm -f "$anchor" && chroot "${anchor%/usr/local/share/*}" update-ca-certificates --fresh \
            >/dev/null 2>&1
    done
    for mount in "${mounted[@]}"; do umount "$mount" 2>/dev/null || umount -l "$mount" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- prerequisites ----------------------------------------------------------------------------------
if [ "$(id -u)" != 0 ]; then
    echo "test-package.sh needs root (debootstrap, chroot and mount); run it with sudo" >&2
    exit 1
fi
missing=()
for pair in debootstrap:debootstrap zip:zip unzip:unzip zipinfo:unzip openssl:openssl python3:python3 \
    readelf:binutils ldd:libc-bin; do
    command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null || {
        echo "could not install ${missing[*]}" >&2
        exit 1
    }
fi

# --- build and archive checks ----------------------------------------------------------------------
echo "== building the package"
if ! bash scripts/package.sh "${package_args[@]}"; then
    fail "scripts/package.sh builds the package"
    finish
fi
pass "scripts/package.sh builds the package"

zip_file=dist/linktome-functionapp.zip
source tests/package/archive_checks.sh
archive_checks "$zip_file" "$work/app"

# count_results: passes through handler_check.py's output, counting its PASS and FAIL lines.
count_results() {
    local line
    while IFS= read -r line; do
        echo "$line"
        case "$line" in
            "PASS "*) passed=$((passed + 1)) ;;
            "FAIL "*) failed=$((failed + 1)) ;;
        esac
    done
}

# in_root ROOT [NAME=VALUE...] COMMAND...: runs COMMAND inside ROOT with a clean environment.
in_root() {
    local root="$1"
    local variables=(PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp FUNCTIONS_WORKER_RUNTIME=custom)
    shift
    while [[ "${1:-}" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; do
        variables+=("$1")
        shift
    done
    env -i "${variables[@]}" chroot "$root" "$@"
}

probe_succeeds() {
    local output
    output="$(in_root "$@" 2>&1)"
    echo "$output"
    [[ "$output" == *"HTTP 200"* && "$output" == *"linktome-tls-ok"* ]]
}

probe_is_refused() {
    local output
    if output="$(in_root "$@" 2>&1)"; then
        echo "$output"
        return 1
    fi
    echo "$output"
    [[ "$output" == *"probe "*"failed:"* && "$output" != *"HTTP 200"* ]]
}

# same_schedule ROOT: the time-zone rules (built into the executable) give the same occurrences in ROOT.
same_schedule() {
    local arguments=(cron next "0 30 2 * * *" --from 2026-03-28T12:00:00Z --count 3 --time-zone Europe/Berlin)
    diff <("$work/app/linktome" "${arguments[@]}" 2>&1) <(in_root "$1" /app/linktome "${arguments[@]}" 2>&1)
}

# same_libraries ROOT: linktome reports the SQLite and OpenSSL it was built with, whatever ROOT has.
same_libraries() {
    local here there
    here="$("$work/app/linktome" doctor --app-root "$work/app" 2>&1 | grep '^linktome built with')"
    there="$(in_root "$1" /app/linktome doctor --app-root /app 2>&1 | grep '^linktome built with')"
    echo "here:  $here"
    echo "there: $there"
    [ -n "$here" ] && [ "$here" = "$there" ]
}

# run_in_root_checks SUITE ROOT: the packaged handler, unpacked at ROOT/app, in that Debian root.
run_in_root_checks() {
    local suite="$1" root="$2"
    local url="https://127.0.0.1:$tls_port/"

    check "$suite: linktome runs (help)" in_root "$root" /app/linktome help
    check "$suite: linktome uses its own SQLite and OpenSSL, not the root's" same_libraries "$root"
    check "$suite: schedules in Europe/Berlin across a DST change match this machine's" same_schedule "$root"
    count_results < <(python3 tests/package/handler_check.py "$root" /app "$handler_port" --runs 10 --label "$suite")
    check "$suite: HTTPS to $url with the test CA trusted (LINKTOME_CA_FILE)" probe_succeeds "$root" \
        LINKTOME_CA_FILE=/app/test-ca.pem /app/linktome doctor --app-root /app --probe-url "$url"
    check "$suite: HTTPS to https://localhost:$tls_port/ (name from /etc/hosts) with the test CA" \
        probe_succeeds "$root" LINKTOME_CA_FILE=/app/test-ca.pem /app/linktome doctor --app-root /app \
        --probe-url "https://localhost:$tls_port/"
    check "$suite: HTTPS to $url fails without the test CA (certificate not trusted)" probe_is_refused "$root" \
        /app/linktome doctor --app-root /app --probe-url "$url"

    # The image's own CA store (/etc/ssl/certs through OpenSSL's default paths) is what the handler uses
    # in Azure; put the test CA there for one probe, then take it out again so the cached root stays clean.
    local anchor="$root/usr/local/share/ca-certificates/linktome-package-test.crt"
    anchors+=("$anchor")
    cp "$work/ca/ca.pem" "$anchor" && chroot "$root" update-ca-certificates >/dev/null 2>&1
    check "$suite: HTTPS to $url with the test CA in the image's CA store (no LINKTOME_CA_FILE)" probe_succeeds \
        "$root" /app/linktome doctor --app-root /app --probe-url "$url"
    rm -f "$anchor" && chroot "$root" update-ca-certificates --fresh >/dev/null 2>&1
}

# --- start time on this machine ---------------------------------------------------------------------
echo "== start time here (Debian 12, outside any chroot)"
count_results < <(python3 tests/package/handler_check.py / "$work/app" $((40000 + RANDOM % 20000)) --runs 20 \
    --label "this machine")

# --- an empty root: the executable alone, with /proc and nothing else ------------------------------
echo "== empty root (linktome and /proc only)"
empty="$work/empty-root"
mkdir -p "$empty/app" "$empty/proc" && cp "$work/app/linktome" "$empty/app/"
if mount -t proc proc "$empty/proc"; then
    mounted+=("$empty/proc")
    check "empty root: linktome runs with no files from any distribution" in_root "$empty" /app/linktome help
    check "empty root: time-zone rules are built in (Europe/Berlin across a DST change)" same_schedule "$empty"
    umount "$empty/proc"
else
    fail "empty root: mount /proc"
fi

# --- Debian roots -----------------------------------------------------------------------------------
source tests/package/debian_roots.sh
mirror="$(debian_mirror)"
echo "== Debian mirror: $mirror"

echo "== test CA and HTTPS server"
source tests/package/test_ca.sh
make_test_ca "$work/ca"
python3 tests/package/tls_server.py "$work/ca/server.pem" "$work/ca/server.key" >"$work/tls.out" 2>"$work/tls.log" &
pids+=($!)
tls_port=""
for _ in $(seq 1 100); do
    tls_port="$(sed -n 's/^port=//p' "$work/tls.out")"
    [ -n "$tls_port" ] && break
    sleep 0.05
done
[ -n "$tls_port" ] || {
    fail "the test HTTPS server starts"
    finish
}

handler_port=$((20000 + RANDOM % 20000))
for suite in $suites; do
    echo "== $suite"
    root="$(ensure_root "$suite" "$mirror" "$root_cache")" || {
        fail "$suite: debootstrap makes a root"
        continue
    }
    if ! mountpoint -q "$root/proc"; then
        mount -t proc proc "$root/proc" && mounted+=("$root/proc")
    fi
    rm -rf "$root/app" && cp -a "$work/app" "$root/app"
    cp "$work/ca/ca.pem" "$root/app/test-ca.pem"
    grep -qs '^127.0.0.1[[:space:]].*localhost' "$root/etc/hosts" || echo "127.0.0.1 localhost" >>"$root/etc/hosts"

    glibc="$(chroot "$root" ldd --version 2>/dev/null | head -1 | grep -o '[0-9.]*$')"
    echo "   glibc $glibc in $root"
    run_in_root_checks "$suite" "$root"
    handler_port=$((handler_port + 1))
done

finish
