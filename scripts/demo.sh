#!/usr/bin/env bash
# `npm run demo`: the live demo (examples/flights/README.md). Installs when
# node_modules is missing, builds what changed (tsc -b is incremental), then
# runs the demo in the foreground: modelwatch serve, the flights model server
# and the replay of February–June 2001. Ctrl-C stops all of them.
#   npm run demo -- --help        options (ports, speed, faults, --fast, ...)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build --silent
exec node examples/flights/dist/demo.js "$@"
