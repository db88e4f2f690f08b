#!/usr/bin/env bash
# Builds the release artifact an operator installs (README, "Running in production"):
#   target/release-artifacts/zchat-relay-VERSION-ARCH-linux.tar.gz and its .sha256, holding
#   bin/zchat-relay (built without the sandbox: it talks to the real zChat only), dist/ (the
#   widget and its loader), deploy/ (the nginx configuration, the systemd unit, the settings
#   file) and the README; and the same relay as a container image (scripts/image.sh), written
#   as a docker-archive, zchat-relay-VERSION-ARCH-image.tar, which `docker load` and
#   `podman load` read, and its .sha256.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
source "$root/scripts/env.sh"
cd "$root"
bash scripts/setup.sh

version="$(awk -F'"' '/^version = / { print $2; exit }' crates/relay/Cargo.toml)"
name="zchat-relay-$version-$(uname -m)-linux"
out="$root/target/release-artifacts"

cargo build --release --locked -p zchat-relay --no-default-features
bash scripts/build-widget.sh

rm -rf "${out:?}/$name" "$out/$name.tar.gz" "$out/$name.tar.gz.sha256"
mkdir -p "$out/$name/bin" "$out/$name/deploy"
install -m 755 target/release/zchat-relay "$out/$name/bin/zchat-relay"
cp -r dist "$out/$name/dist"
cp -r deploy/nginx deploy/systemd deploy/zchat-relay.env.example "$out/$name/deploy/"
cp README.md "$out/$name/"
tar -C "$out" --owner=0 --group=0 -czf "$out/$name.tar.gz" "$name"
(cd "$out" && sha256sum "$name.tar.gz" > "$name.tar.gz.sha256")
echo "$out/$name.tar.gz"
cat "$out/$name.tar.gz.sha256"

image="$(bash scripts/image.sh --reuse-widget | tail -1)"
archive="zchat-relay-$version-$(uname -m)-image.tar"
rm -f "$out/$archive"
podman save --quiet --format docker-archive --output "$out/$archive" "$image"
(cd "$out" && sha256sum "$archive" > "$archive.sha256")
echo "$out/$archive ($image)"
cat "$out/$archive.sha256"
