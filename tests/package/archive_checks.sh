# Helpers for scripts/test-package.sh: checks on the app package archive. Uses check/pass/fail from
# the calling script.

# The archive's entries, exactly: the layout the Functions host expects at the app root.
expected_entries() {
    printf '%s\n' host.json LinkTomeTimers.json linktome \
        LinkTomeTimer/ LinkTomeTimer/function.json \
        LinkTomeOrchestrator/ LinkTomeOrchestrator/function.json \
        LinkTomeActivity/ LinkTomeActivity/function.json | sort
}

# mode_of ZIP ENTRY: the Unix mode string zipinfo shows for ENTRY, and the "unx" host marker.
mode_of() {
    zipinfo "$1" "$2" 2>/dev/null | awk '{ print $1, $3 }'
}

entries_are_expected() {
    diff <(zipinfo -1 "$1" | sort) <(expected_entries)
}

modes_are_expected() {
    local zip="$1" entry want got status=0
    while read -r entry; do
        case "$entry" in
            linktome | */) want="rwxr-xr-x" ;;
            *) want="rw-r--r--" ;;
        esac
        got="$(mode_of "$zip" "$entry")"
        case "$got" in
            ?"$want unx") ;;
            *)
                echo "$entry: '$got', want '?$want unx'"
                status=1
                ;;
        esac
    done < <(expected_entries)
    return $status
}

checksum_matches() {
    (cd "$(dirname "$1")" && sha256sum -c "$(basename "$1").sha256")
}

ldd_says_static() {
    local output
    output="$(ldd "$1" 2>&1)"
    echo "$output"
    [[ "$output" == *"not a dynamic executable"* ]]
}

no_interpreter_or_needed() {
    ! readelf -l "$1" | grep -q INTERP && ! readelf -d "$1" 2>/dev/null | grep -q NEEDED
}

# links_statically BINARY SYMBOL...: each symbol is defined in the unstripped build output, so the
# library it belongs to was linked in rather than loaded from the host.
links_statically() {
    local binary="$1" symbol symbols
    shift
    symbols="$(nm "$binary" 2>&1)" || {
        echo "$symbols" | head -3
        return 1
    }
    for symbol in "$@"; do
        grep -E " [TtDdBbRr] $symbol\$" <<<"$symbols" >/dev/null || {
            echo "$symbol is not defined in $binary"
            return 1
        }
    done
}

host_json_runs_linktome() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));
assert d["customHandler"]["description"]["defaultExecutablePath"] == "linktome", d["customHandler"]' "$1"
}

# archive_checks ZIP DEST: checks ZIP and unpacks it into DEST.
archive_checks() {
    local zip="$1" dest="$2"
    local unstripped="${SCRATCH_PATH:-.build-static}/release/linktome"

    check "the checksum file matches the archive" checksum_matches "$zip"
    check "the archive holds exactly the app layout" entries_are_expected "$zip"
    check "linktome is 0755 and the other files 0644 in the archive (made on Unix)" modes_are_expected "$zip"

    rm -rf "$dest" && mkdir -p "$dest"
    check "the archive unpacks" unzip -q "$zip" -d "$dest"
    check "the unpacked linktome has its execute bit" test -x "$dest/linktome"
    check "ldd says linktome is not a dynamic executable" ldd_says_static "$dest/linktome"
    check "linktome has no ELF interpreter and no NEEDED libraries" no_interpreter_or_needed "$dest/linktome"
    check "SQLite is linked in statically" links_statically "$unstripped" sqlite3_open_v2 sqlite3_prepare_v2
    check "OpenSSL (libssl and libcrypto) is linked in statically" links_statically "$unstripped" \
        SSL_CTX_new SSL_connect EVP_sha256 HMAC
    check "the Swift runtime and Foundation are linked in statically" links_statically "$unstripped" \
        swift_retain '\$s20FoundationEssentials4DateVMn'
    check "host.json starts the linktome executable" host_json_runs_linktome "$dest/host.json"
    check "linktome doctor finds no problem in the unpacked package" \
        env -i FUNCTIONS_WORKER_RUNTIME=custom "$dest/linktome" doctor --app-root "$dest"

    local size
    size="$(stat -c %s "$dest/linktome")"
    echo "MEASURE binary_bytes=$size binary_mb=$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1e6 }')" \
        "binary_mib=$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1048576 }') zip_bytes=$(stat -c %s "$zip")"
}
