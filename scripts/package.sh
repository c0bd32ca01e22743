#!/usr/bin/env bash
# Builds the deployable Azure Functions app package:
#
#   dist/linktome-functionapp.zip         host.json, LinkTomeTimers.json, the three function folders and
#                                         the `linktome` executable (mode 0755 recorded in the archive)
#   dist/linktome-functionapp.zip.sha256  its SHA-256 checksum, in `sha256sum -c` format
#   dist/app/                             the same files unpacked, for `func azure functionapp publish`
#
# The executable is fully static (Swift runtime, Foundation, SQLite and OpenSSL linked in, no dynamic
# loader), so it runs on every x86-64 Linux image the Functions host uses, Debian 11 included.
#
# usage: scripts/package.sh [--skip-build]
#   --skip-build   reuse the executable from the last run (for checking the archive steps only)
# environment: SCRATCH_PATH (default .build-static), DIST (default dist)
set -euo pipefail
cd "$(dirname "$0")/.."

scratch="${SCRATCH_PATH:-.build-static}"
dist="${DIST:-dist}"
skip_build=0
for arg in "$@"; do
    case "$arg" in
        --skip-build) skip_build=1 ;;
        -h | --help)
            sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "package.sh: unknown argument '$arg'" >&2
            exit 2
            ;;
    esac
done

for tool in zip sha256sum strip readelf; do
    command -v "$tool" >/dev/null || {
        echo "package.sh: '$tool' is missing (apt-get install zip binutils coreutils)" >&2
        exit 1
    }
done

if [ "$skip_build" = 0 ]; then
    echo "== swift build (release, fully static) into $scratch"
    swift build -c release --product linktome --scratch-path "$scratch" \
        --static-swift-stdlib -Xswiftc -static-executable
fi
binary="$scratch/release/linktome"
[ -x "$binary" ] || {
    echo "package.sh: $binary not found; run without --skip-build" >&2
    exit 1
}

# A fully static executable has no program interpreter and no NEEDED entries. Anything else would
# fail on an image whose glibc or libraries differ from this machine's, so stop here.
if readelf -l "$binary" | grep -q 'INTERP'; then
    echo "package.sh: $binary asks for a dynamic loader; it is not a static executable" >&2
    exit 1
fi
if readelf -d "$binary" 2>/dev/null | grep -q 'NEEDED'; then
    echo "package.sh: $binary needs shared libraries:" >&2
    readelf -d "$binary" | grep NEEDED >&2
    exit 1
fi

echo "== assembling $dist/app"
app="$dist/app"
rm -rf "$app" "$dist/linktome-functionapp.zip" "$dist/linktome-functionapp.zip.sha256"
mkdir -p "$app"
cp host.json LinkTomeTimers.json "$app/"
for function in LinkTomeTimer LinkTomeOrchestrator LinkTomeActivity; do
    mkdir -p "$app/$function"
    cp "$function/function.json" "$app/$function/function.json"
done
strip --strip-all -o "$app/linktome" "$binary"
chmod 0755 "$app/linktome"
chmod 0644 "$app/host.json" "$app/LinkTomeTimers.json" "$app"/*/function.json
chmod 0755 "$app"/LinkTomeTimer "$app"/LinkTomeOrchestrator "$app"/LinkTomeActivity

# Every file gets the time of the last commit (or SOURCE_DATE_EPOCH), so the same executable and app
# files always give the same zip and checksum.
epoch="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}"
find "$app" -exec touch -h -d "@$epoch" {} +

echo "== zipping"
# zip records Unix modes (made by "unx"), so the 0755 of linktome survives into the archive. -X drops
# extra attributes (owner ids, times beyond the DOS time). Folders get their own entries (mode 0755), as
# `zip -r` and Core Tools write them.
zip_path="$(pwd)/$dist/linktome-functionapp.zip"
(cd "$app" && TZ=UTC zip -q -X -9 "$zip_path" host.json LinkTomeTimers.json linktome \
    LinkTomeTimer/ LinkTomeTimer/function.json LinkTomeOrchestrator/ LinkTomeOrchestrator/function.json \
    LinkTomeActivity/ LinkTomeActivity/function.json)
(cd "$dist" && sha256sum linktome-functionapp.zip >linktome-functionapp.zip.sha256)

size_binary=$(stat -c %s "$app/linktome")
size_zip=$(stat -c %s "$dist/linktome-functionapp.zip")
megabytes() { awk -v bytes="$1" 'BEGIN { printf "%.1f MB (%.1f MiB)", bytes / 1e6, bytes / 1048576 }'; }
echo "linktome: $size_binary bytes, $(megabytes "$size_binary"), stripped; goal: under 60 MB"
echo "zip: $size_zip bytes, $(megabytes "$size_zip")"
cat "$dist/linktome-functionapp.zip.sha256"
