#!/usr/bin/env bash
# The pictures README shows (docs/*.png: the launcher on the demo page, the form, a conversation
# with an agent's picture and a file, the rating, dark mode, a phone), made in headless Chromium
# from the product as it is now. Run it again whenever the look changes. The test command runs
# the same test into a scratch folder, so this keeps working (e2e/tests/screenshots.rs).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/env.sh"
cd "$root"
bash scripts/setup.sh
bash scripts/build-widget.sh
ZCHAT_PICTURES="$root/docs" cargo test --locked -q -p zchat-e2e --test screenshots
ls -l docs/*.png
