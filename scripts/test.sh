#!/usr/bin/env bash
# Runs the whole test suite (installs build and test prerequisites first).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
bash scripts/install-deps.sh --with-test-tools
swift build --build-tests
swift test --skip-build --disable-swift-testing
