#!/usr/bin/env bash
# A/B of relay builds, alternated so that the machine's drift between hours does not decide:
# for each round, each build serves 10,000 idle streams and then RATE events/s for 15 s
# (relay-bench, as scripts/bench.sh runs it); printed per build and round: the CPU of the relay,
# of Redis (TARGET=redis) and of the load generator over 10 s in the middle of that phase (from
# /proc/PID/stat, 100 = one core), and the latencies.
#   scripts/bench-ab.sh path/to/relay-a path/to/relay-b      (RATE=5000 TARGET=memory ROUNDS=3)
# Build each variant with `cargo build --release -p zchat-relay` and copy target/release/zchat-relay.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/env.sh"
cd "$root"
[ $# -ge 1 ] || { echo "usage: $0 RELAY_BINARY..." >&2; exit 2; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
cargo build --release --locked -q -p zchat-bench
use_scratch bench-ab
set -m
bench=""
trap '[ -n "$bench" ] && kill -TERM -- -"$bench" 2>/dev/null; rm -rf "$scratch"' EXIT INT TERM
tick=$(getconf CLK_TCK)
cpu() { [ -n "$1" ] && awk '{print $14 + $15}' "/proc/$1/stat" || echo 0; }
points() { echo $(( ($2 - $1) * 100 / tick / 10 )); }
for round in $(seq 1 "${ROUNDS:-3}"); do
  for relay in "$@"; do
    out="$scratch/out"
    target/release/relay-bench --relay "$relay" --targets "${TARGET:-memory}" --subscribers 10000 \
      --rates "${RATE:-5000}" --ceiling-rates 100 --seconds 15 >"$out" 2>&1 &
    bench=$!
    until grep -q "idle SSE" "$out"; do kill -0 "$bench" 2>/dev/null || { cat "$out"; exit 1; }; sleep 0.5; done
    pid=$(pgrep -n -f "^$relay") redis=$(pgrep -n -P "$bench" redis-server || true)
    sleep 3
    r0=$(cpu "$pid") s0=$(cpu "$redis") g0=$(cpu "$bench"); sleep 10; r1=$(cpu "$pid") s1=$(cpu "$redis") g1=$(cpu "$bench")
    wait "$bench"; bench=""
    echo "round $round, $relay: CPU relay $(points "$r0" "$r1"), Redis $(points "$s0" "$s1"), generator $(points "$g0" "$g1") points; $(grep "events/s at" "$out" | sed 's/.*(offered/(offered/')"
  done
done
