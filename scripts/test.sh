#!/usr/bin/env bash
# The README's test command: install what the tests need, then run the whole suite.
#   - Debian packages of the real components the tests start (chromium for the
#     browser tests, prometheus + promtool for the Prometheus integration tests,
#     prometheus-alertmanager for amtool),
#     installed only when missing;
#   - npm ci, then `npm test` (build + every package's tests in one process).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
# amtool checks deploy/alertmanager.yml.
command -v amtool >/dev/null 2>&1 || need+=(prometheus-alertmanager)
if ((${#need[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing Debian packages: ${need[*]}" >&2
  $sudo apt-get update -qq
  # --no-install-recommends: prometheus recommends node-exporter etc., which the tests don't use.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The Debian package starts a system prometheus on :9090 through its init scripts where
# a service manager runs; the tests start their own on free ports and don't need it.

npm ci --no-audit --no-fund
# CI=1: tests that need a real component fail (rather than skip) when it is missing.
CI=1 npm test
