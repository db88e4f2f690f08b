#!/usr/bin/env bash
# The crates this project forks, made from what crates.io publishes and a patch of ours: for each
# patches/NAME-VERSION.patch, vendor/NAME is NAME VERSION as published, its sources' line ends made
# LF, with the patch applied (the root Cargo.toml's [patch.crates-io] takes it from there).
# patches/NAME-VERSION.md says what the patch changes, why, and which test fails when its purpose
# is lost. vendor/ is not in git: this script makes it (scripts/setup.sh runs it first), and leaves
# alone a vendor/NAME made from the same patch. To move a fork to a new release: rename the patch,
# run this, fix what no longer applies, and `diff -ruN` the published src/ against vendor/NAME/src
# into the patch again.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

say() { printf '[forks] %s\n' "$*" >&2; }

# The published crate file, from cargo's own download cache (a throwaway manifest's `cargo fetch`
# puts it there when it is not yet).
crate_file() {
  local name=$1 version=$2 found
  found=$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/"$name-$version.crate" 2>/dev/null | head -1 || true)
  if [ -z "$found" ]; then
    local manifest
    manifest="$(mktemp -d)"
    mkdir "$manifest/src" && touch "$manifest/src/lib.rs"
    printf '[package]\nname = "fork-fetch"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\n%s = { version = "=%s", default-features = false }\n' \
      "$name" "$version" > "$manifest/Cargo.toml"
    (cd "$manifest" && cargo fetch --quiet)
    rm -rf "$manifest"
    found=$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/"$name-$version.crate" | head -1)
  fi
  echo "$found"
}

for patch in patches/*.patch; do
  base="$(basename "$patch" .patch)"
  name="${base%-*}" version="${base##*-}"
  made="$base $(sha256sum "$patch" | cut -c1-64)"
  if [ "$(cat "vendor/$name/.zchat-fork" 2>/dev/null)" = "$made" ]; then
    continue
  fi
  say "vendor/$name: $name $version from crates.io with $patch"
  work="$(mktemp -d)"
  tar -xzf "$(crate_file "$name" "$version")" -C "$work"
  find "$work/$base" -name '*.rs' -exec sed -i 's/\r$//' {} +
  patch --quiet --directory="$work/$base" --strip=1 --forward < "$patch"
  echo "$made" > "$work/$base/.zchat-fork"
  rm -rf "vendor/$name"
  mkdir -p vendor
  mv "$work/$base" "vendor/$name"
  rm -rf "$work"
done
