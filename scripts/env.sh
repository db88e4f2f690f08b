# Sourced by the project's scripts: where per-user tools live, and PATH to find them.
export ZCHAT_TOOLS="${ZCHAT_TOOLS:-${XDG_DATA_HOME:-$HOME/.local/share}/zchat-widget-tools}"
export PATH="$ZCHAT_TOOLS/bin:$ZCHAT_TOOLS/node_modules/.bin:$ZCHAT_TOOLS/cargo/bin:$ZCHAT_TOOLS/geckodriver/bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver || echo /usr/bin/chromedriver)}"

# One scratch folder for everything a script's runs write (servers' data, uploads, browser
# profiles), named after the script: `scratch`, and `TMPDIR` pointing at it. The caller's EXIT
# trap removes it (`rm -rf "$scratch"`), however the run ends.
use_scratch() {
  scratch="$(mktemp -d "${TMPDIR:-/tmp}/zchat-$1.XXXXXX")"
  export TMPDIR="$scratch"
}

# The toolchain of the widget's release build (scripts/build-widget.sh): a nightly pinned by date,
# for -Zbuild-std and the size flags (scripts/setup.sh installs it with the wasm target and
# rust-src). Everything else builds on the stable toolchain.
export ZCHAT_WIDGET_TOOLCHAIN="${ZCHAT_WIDGET_TOOLCHAIN:-nightly-2026-05-20}"

# Podman's settings for the container image's build and test (deploy/container/containers.conf).
export CONTAINERS_CONF="${CONTAINERS_CONF:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/deploy/container/containers.conf}"
