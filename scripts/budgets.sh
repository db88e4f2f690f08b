#!/usr/bin/env bash
# Measures the widget's budgets on a host page in headless Chromium (not a timed test): the
# loader's bytes, a first open's bytes, long tasks on the host page, click-to-form time. It runs
# the budget test of the test command and prints its report; the figures of record are in
# BENCHMARKS.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/env.sh"
cd "$root"
bash scripts/setup.sh
bash scripts/build-widget.sh
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(chromium --version 2>/dev/null)"
exec cargo test --locked -q -p zchat-e2e --test budgets -- --nocapture
