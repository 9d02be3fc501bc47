#!/usr/bin/env bash
# The main job: build sdetkit (release) and run the demo in the current git repository.
# Usage: bash scripts/demo.sh [demo options, e.g. --json or --scenario NAME]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bash "$here/scripts/install-deps.sh"
swift build -c release --static-swift-stdlib --package-path "$here" --product sdetkit >&2
bin=$(swift build -c release --static-swift-stdlib --package-path "$here" --show-bin-path)/sdetkit
exec "$bin" agent demo "$@"
