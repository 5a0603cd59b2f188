#!/usr/bin/env bash
# `npm run quickstart`: install, build, and compare January with June 2001 of the real US flights data shipped in the
# vega-datasets npm package. Writes out/report.html and out/report.json.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build --silent
mkdir -p out
node packages/modelwatch/dist/cli.js demo-data --out-dir out/data
node packages/modelwatch/dist/cli.js report \
  --reference out/data/jan.parquet --current out/data/jun.parquet \
  --html out/report.html --json out/report.json --title "US flights: January vs June 2001"
echo "Open out/report.html in a browser (self-contained, works offline)."
