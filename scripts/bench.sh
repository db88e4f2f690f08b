#!/usr/bin/env bash
# Measures the relay (not a test): memory per idle SSE subscriber at 1k and 10k, and
# webhook-to-event latency at 10k subscribers and 2,000 webhooks/s. Results go to stdout; the
# figures of record are in BENCHMARKS.md. Extra arguments go to relay-bench (see --help).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/env.sh"
cd "$root"
# 10k streams need 10k descriptors on each side (relay and load generator).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
cargo build --release --locked -q -p zchat-relay -p zchat-bench
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr); descriptors $(ulimit -n)"
exec target/release/relay-bench "$@"
