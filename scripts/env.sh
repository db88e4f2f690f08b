# Sourced by the project's scripts: where per-user tools live, and PATH to find them.
export ZCHAT_TOOLS="${ZCHAT_TOOLS:-${XDG_DATA_HOME:-$HOME/.local/share}/zchat-widget-tools}"
export PATH="$ZCHAT_TOOLS/bin:$ZCHAT_TOOLS/node_modules/.bin:$ZCHAT_TOOLS/cargo/bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver || echo /usr/bin/chromedriver)}"
