#!/usr/bin/env bash
# Builds FieldRelay (release) and starts it on its embedded defaults: SRT on UDP 9000, HTTP on 8080,
# data in ./data. Extra arguments go to `fieldrelay serve`, e.g. ./scripts/run.sh --open-ingest
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
swift build -c release --product fieldrelay
exec ./.build/release/fieldrelay serve "$@"
