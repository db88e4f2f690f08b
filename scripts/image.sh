#!/usr/bin/env bash
# The relay's container image (OCI, in podman's store as zchat-relay:VERSION), made from nothing a
# registry gives (there is none here, and an operator's build should not need one): the relay built
# for production (no sandbox), the shared libraries it links (its glibc, OpenSSL and their loader,
# as `ldd` lists them, and nothing else: no shell, no package manager), the CA certificates, one
# user, and the widget's release build. README, "Running in production", says how to run it.
#
# Why not FROM scratch with a static musl binary: the relay would need its TLS (OpenSSL) and
# allocator (glibc's, tuned: src/allocator.rs) replaced, and a second full build of it. The
# libraries it links are 8 MB; the image is measured in BENCHMARKS.md.
#
# Usage: scripts/image.sh [--reuse-widget]   (--reuse-widget: dist/ as it is, no widget build)
# Prints the image's name last.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
source "$root/scripts/env.sh"
cd "$root"

version="$(awk -F'"' '/^version = / { print $2; exit }' crates/relay/Cargo.toml)"
image="zchat-relay:$version"
uid=10001

cargo build --release --locked --quiet -p zchat-relay --no-default-features
if [ "${1:-}" != --reuse-widget ] || [ ! -f dist/index.html ]; then
  bash scripts/build-widget.sh >/dev/null
fi

rootfs="$(mktemp -d "${TMPDIR:-/tmp}/zchat-image.XXXXXX")"
trap 'rm -rf "$rootfs"' EXIT
install -D -m 755 target/release/zchat-relay "$rootfs/usr/local/bin/zchat-relay"
# Without its symbol table (17.5 MB -> 13.6 MB): a panic's message and location stay.
strip --strip-all "$rootfs/usr/local/bin/zchat-relay"
# The libraries it links, and the dynamic loader, at the paths it looks for them.
ldd target/release/zchat-relay | awk '/=> \// { print $3 } /^[ \t]*\/.*ld-linux/ { print $1 }' | while read -r lib; do
  cp --parents -L "$lib" "$rootfs/"
done
mkdir -p "$rootfs/usr/share/zchat-relay" "$rootfs/etc/ssl/certs" "$rootfs/var/lib/zchat-relay" "$rootfs/tmp"
cp -r dist "$rootfs/usr/share/zchat-relay/widget"
cp -L /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/"
printf 'relay:x:%s:%s:zChat relay:/var/lib/zchat-relay:/nonexistent\n' "$uid" "$uid" > "$rootfs/etc/passwd"
printf 'relay:x:%s:\n' "$uid" > "$rootfs/etc/group"
# Names: this machine's, then DNS (glibc's own resolver; no other NSS module is there).
printf 'hosts: files dns\n' > "$rootfs/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' > "$rootfs/etc/hosts"
chmod 1777 "$rootfs/tmp"

previous="$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)"
# (The docker format throughout: the OCI one has no health check.)
container="$(buildah from --format docker scratch)"
# As archives, so that ownership is what they say: everything root's, but the relay's one
# writable place (a volume), which is its user's.
tar -C "$rootfs" --numeric-owner --owner=0 --group=0 --exclude=./var/lib/zchat-relay -cf "$rootfs.base.tar" .
tar -C "$rootfs" --numeric-owner --owner="$uid" --group="$uid" -cf "$rootfs.data.tar" ./var/lib/zchat-relay
trap 'rm -rf "$rootfs" "$rootfs.base.tar" "$rootfs.data.tar"' EXIT
buildah add --quiet "$container" "$rootfs.base.tar" / >/dev/null
buildah add --quiet "$container" "$rootfs.data.tar" / >/dev/null
buildah config \
  --user "$uid:$uid" \
  --workingdir /var/lib/zchat-relay \
  --env RELAY_LISTEN=0.0.0.0:8080 \
  --env RELAY_METRICS_LISTEN=0.0.0.0:9090 \
  --env RELAY_WIDGET_DIR=/usr/share/zchat-relay/widget \
  --env RELAY_UPLOAD_DIR=/var/lib/zchat-relay/uploads \
  --env RELAY_LOG_FORMAT=json \
  --env RELAY_READY_FILE=/tmp/zchat-relay.ready \
  --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
  --port 8080 --port 9090 \
  --volume /var/lib/zchat-relay \
  --stop-signal SIGTERM \
  --entrypoint '["/usr/local/bin/zchat-relay"]' \
  --cmd '[]' \
  --healthcheck 'CMD /usr/local/bin/zchat-relay --health' \
  --healthcheck-interval 10s --healthcheck-timeout 3s --healthcheck-retries 3 \
  --label "org.opencontainers.image.title=zChat widget relay" \
  --label "org.opencontainers.image.version=$version" \
  "$container"
# The docker format: the OCI one has no health check.
buildah commit --quiet --rm --format docker "$container" "$image" >/dev/null
current="$(podman image inspect --format '{{.Id}}' "$image")"
if [ -n "$previous" ] && [ "$previous" != "$current" ]; then
  podman rmi --force "$previous" >/dev/null 2>&1 || true
fi
echo "$image"
