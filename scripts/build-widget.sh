#!/usr/bin/env bash
# The widget's release build into dist/ (the build the relay serves, the journeys and the budget
# test load, and scripts/release.sh packs): Trunk with the pinned nightly of scripts/env.sh, the
# standard library built for the wasm with the widget (-Zbuild-std) so that these size flags reach
# it too:
#   -Cpanic=immediate-abort   a panic is a trap (`unreachable` in the console), with no message,
#                             location or unwinding machinery in the wasm;
#   -Zlocation-detail=none    no file names and lines kept for panics;
#   -Zfmt-debug=none          `{:?}` prints nothing (no Debug code in the wasm).
# BENCHMARKS.md ("The design card's build") has the bytes each saves. Its own target folder, so
# that the stable toolchain's builds (clippy, the component tests) and this one never rebuild
# each other's. Development builds (`trunk serve`) stay on stable, panic messages and all.
# Arguments go to `trunk build` (e.g. `--dist elsewhere`).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/env.sh"
cd "$root"
export RUSTUP_TOOLCHAIN="$ZCHAT_WIDGET_TOOLCHAIN"
export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
export RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none"
export CARGO_TARGET_DIR="$root/target/widget-release"
exec trunk build --release "$@"
