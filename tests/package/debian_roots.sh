# Helpers for scripts/test-package.sh: Debian roots made with debootstrap, cached between runs.

# Prints the Debian archive this machine's apt uses (LINKTOME_DEBIAN_MIRROR wins), read from
# /etc/apt/sources.list and sources.list.d (one-line and deb822 formats); deb.debian.org otherwise.
debian_mirror() {
    if [ -n "${LINKTOME_DEBIAN_MIRROR:-}" ]; then
        echo "$LINKTOME_DEBIAN_MIRROR"
        return
    fi
    local uris
    uris="$(
        {
            cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
                sed -e 's/#.*//' -e 's/\[[^]]*\]//' | awk '$1 == "deb" { print $2 }'
            for file in /etc/apt/sources.list.d/*.sources; do
                [ -f "$file" ] || continue
                awk 'BEGIN { RS = ""; IGNORECASE = 1 }
                    /(^|\n)Types:[^\n]*deb([ \t]|$|\n)/ && !/(^|\n)Enabled:[ \t]*no/ {
                        n = split($0, lines, "\n")
                        for (i = 1; i <= n; i++) if (lines[i] ~ /^URIs:/) {
                            sub(/^URIs:[ \t]*/, "", lines[i]); print lines[i]
                        }
                    }' "$file" | tr ' ' '\n'
            done
        } | grep -E '^(https?|file)://.*/debian/?$'
    )"
    echo "${uris%%$'\n'*}" | grep . || echo "http://deb.debian.org/debian"
}

# What the roots hold besides minbase: the CA store every Functions image carries (it pulls in the
# openssl package, which links /usr/lib/ssl/certs, OpenSSL's default store, to /etc/ssl/certs).
ROOT_PACKAGES="ca-certificates"

# ensure_root SUITE MIRROR CACHE: prints the path of a minbase root for SUITE, making it with
# debootstrap unless a complete one is cached (CACHE/SUITE.ok marks a finished debootstrap and
# records its options, so changing them makes a new root).
ensure_root() {
    local suite="$1" mirror="$2" cache="$3"
    local root="$cache/$suite"
    local options="--variant=minbase --include=$ROOT_PACKAGES"
    if [ "$(cat "$cache/$suite.ok" 2>/dev/null)" = "$options" ] && [ -x "$root/bin/sh" ]; then
        echo "$root"
        return 0
    fi
    mkdir -p "$cache"
    rm -f "$cache/$suite.ok"
    if mountpoint -q "$root/proc" 2>/dev/null; then umount "$root/proc"; fi
    rm -rf "$root"
    echo "   debootstrap $options $suite (log: $cache/$suite.log)" >&2
    # shellcheck disable=SC2086 # options are words
    if debootstrap $options "$suite" "$root" "$mirror" >"$cache/$suite.log" 2>&1; then
        echo "$options" >"$cache/$suite.ok"
        echo "$root"
        return 0
    fi
    tail -5 "$cache/$suite.log" >&2
    return 1
}
