#!/usr/bin/env bash
# Runs every test: set-up (installs what is missing), style and lints, the widget's release build, the native tests
# (wire types, sandbox, relay against real servers, conversation core, the WebDriver journey in
# headless Chromium), then the widget's component tests in headless Chromium.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/env.sh"
cd "$root"
started=$(date +%s)

bash scripts/setup.sh

# What the tests write (their servers' data, uploads, Chromium's profiles: a browser killed at a
# test's end cannot remove its own) goes to one scratch folder, removed when the run ends however
# it ends. Incremental compilation is off: a one-off build gains nothing from it, and its caches
# would double the build's size on disk.
use_scratch test
trap 'rm -rf "$scratch"' EXIT
export CARGO_INCREMENTAL=0
echo "disk: $(df -h --output=avail "$root" | tail -1 | tr -d ' ') free where the build goes"

echo "== style and lints: rustfmt, clippy with warnings as errors (native and wasm)"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy --locked --target wasm32-unknown-unknown -p zchat-widget --all-targets -- -D warnings
# The operator's build against the real zChat, without the in-process sandbox.
cargo clippy --locked -p zchat-relay --no-default-features -- -D warnings

echo "== widget release build (trunk, offline)"
bash scripts/build-widget.sh

echo "== native tests: types, sandbox, relay, conversation core, WebDriver journey"
cargo test --workspace --locked

echo "== browser component tests: wasm-bindgen-test in headless Chromium"
cargo test --locked --target wasm32-unknown-unknown -p zchat-widget

if [ -n "${ZCHAT_API_BASE:-}" ] && [ -n "${ZCHAT_TOKEN:-}" ] && [ -n "${ZCHAT_DEPARTMENT:-}" ]; then
  echo "== the conformance suite also ran against the real zChat at $ZCHAT_API_BASE"
else
  echo "== conformance against a real zChat: skipped (set ZCHAT_API_BASE, ZCHAT_TOKEN and ZCHAT_DEPARTMENT to run it)"
fi
echo "== all tests passed in $(( $(date +%s) - started ))s"
