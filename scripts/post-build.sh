#!/bin/sh
# Trunk's post-build hook (Trunk.toml), in its staging folder:
# - the open chat's helpers minified (terser) and named by their content; the embed loader
#   minified, with the names of the frame's hashed wasm and of the helpers written in;
#   wasm-bindgen's glue minified (Trunk's own minifier cannot parse it, and says so);
# - release: the wasm's import and export names minified, the glue to match, both named anew by
#   their content (scripts/minify-names.mjs), then brotli and gzip copies of every asset, which
#   the relay serves to browsers that accept them;
# - development (`trunk serve`): the upload limit the relay at 127.0.0.1:8080 puts in its frame
#   page, as the release frame has it from the relay that serves it (no relay running: the
#   widget's default, the relay's too).
# Tools from scripts/setup.sh (terser, wasm-opt, brotli, node).
set -eu
cd "$TRUNK_STAGING_DIR"
terser widget-open.js --ecma 2020 --compress passes=3,unsafe_arrows --mangle --output open.min.js
open=widget-open-$(sha256sum open.min.js | cut -c1-16).js
mv open.min.js "$open"
rm widget-open.js
for f in zchat-widget-*.js; do
  terser "$f" --module --compress passes=2 --mangle --output min.js
  mv min.js "$f"
done
# (Before the loader: the wasm's name changes with its content.)
if [ "$TRUNK_PROFILE" = release ]; then
  node "$TRUNK_SOURCE_DIR/scripts/minify-names.mjs" .
fi
terser widget.js --ecma 2020 --compress passes=3,unsafe_arrows --mangle --output widget.min.js
sed -e "s/ZCHAT_WASM/$(echo zchat-widget-*.wasm)/" -e "s/ZCHAT_OPEN/$open/" widget.min.js > widget.js
rm widget.min.js
if [ "$TRUNK_PROFILE" = release ]; then
  for f in *.wasm *.js *.css; do
    gzip -9 -k -f "$f"
    brotli -q 11 -k -f "$f"
  done
else
  meta=$(curl -fsS --max-time 2 http://127.0.0.1:8080/widget/ 2>/dev/null | grep -o '<meta name="zchat-upload-max" content="[0-9]*">') &&
    sed -i "s|</head>|$meta</head>|" index.html || true
fi
