#!/usr/bin/env bash
# The project's test command: lint, a build with warnings as errors, and every test suite.
# Installs the Debian packages the build needs when they are missing and we are root.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

echo "== swift format lint"
swift format lint --strict --recursive Sources Tests Package.swift

echo "== swift build (warnings are errors)"
swift build -Xswiftc -warnings-as-errors

echo "== swift test"
swift test -Xswiftc -warnings-as-errors --skip-build 2>&1 | tee .build/swift-test.log
