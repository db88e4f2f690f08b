#!/usr/bin/env bash
# Starts the whole product on this machine: the relay with the in-process sandbox (a local zChat),
# serving the widget's release build, a demo host page and the agent console. Prints the URLs.
# Flags and environment variables are the relay's (see README); e.g. `scripts/run.sh --listen 0.0.0.0:8080`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/env.sh"
cd "$root"

bash scripts/setup.sh
echo "== widget release build (trunk, offline)"
bash scripts/build-widget.sh
echo "== starting the relay (first build takes a few minutes)"
exec cargo run --release --locked -p zchat-relay -- --widget-dir "$root/dist" "$@"
