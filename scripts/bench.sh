#!/usr/bin/env bash
# Measures the relay side by side with nchan (not a test): the relay with its event log in memory,
# the relay on Redis, nginx + nchan in shared memory and nginx + nchan on Redis (the Redis log's
# like-for-like peer), under the same load generator: memory per idle SSE
# subscriber at 1k and 10k; publish-to-event latency at 10k subscribers and 500, 2,000 and 5,000
# events/s; the highest rate with no loss. Results go to stdout; the figures of record are in
# BENCHMARKS.md. Extra arguments go to relay-bench (see --help).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/env.sh"
cd "$root"
# 10k streams need 10k descriptors on each side (relay and load generator).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
bash scripts/setup.sh
# The peer: Debian's nginx with the nchan module (only the benchmark needs them).
if ! dpkg -s libnginx-mod-nchan >/dev/null 2>&1; then
  echo "installing nginx-light and libnginx-mod-nchan (apt; sudo when not root)"
  if [ "$(id -u)" -eq 0 ]; then sudo_=(); else sudo_=(sudo -n); fi
  "${sudo_[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light libnginx-mod-nchan >/dev/null
fi
cargo build --release --locked -q -p zchat-relay -p zchat-bench
# Redis's and nginx's data and the relay's log go to one scratch folder, removed when the bench ends.
use_scratch bench
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr); descriptors $(ulimit -n)"
echo "versions: $(redis-server --version | cut -d' ' -f1-3), $(nginx -v 2>&1), nchan $(dpkg-query -W -f='${Version}' libnginx-mod-nchan)"
# The bench stops what it started when it ends (nginx's workers included: bench/src/main.rs); and
# whatever happens (Ctrl-C, a panic, a kill), everything it started goes with its process group.
set -m
target/release/relay-bench "$@" &
bench=$!
trap 'kill -TERM -- -"$bench" 2>/dev/null || true; rm -rf "$scratch"' EXIT INT TERM
wait "$bench"
