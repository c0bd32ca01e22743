#!/usr/bin/env bash
# The project's test command: lint, a build with warnings as errors, every Swift test suite, the
# Table Storage stand-in proven with Microsoft's SDK, and (as root) the deployable package in
# Debian 11 and 12 roots. Installs the Debian packages it needs when they are missing and it runs as root.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

echo "== swift format lint"
swift format lint --strict --recursive Sources Tests Package.swift

echo "== swift build (warnings are errors)"
swift build -Xswiftc -warnings-as-errors

echo "== swift test"
swift test -Xswiftc -warnings-as-errors

echo "== Table Storage stand-in and the azure-data-tables SDK"
bash scripts/test-table-standin.sh

if [ "$(id -u)" = 0 ]; then
    echo "== app package in Debian 11 and 12 roots"
    bash scripts/test-package.sh
else
    echo "== app package test skipped: it needs root for debootstrap and chroot"
fi
