#!/usr/bin/env bash
# Put a Consul binary at build/consul/consul for the Molecule scenario and the lab.
# HashiCorp is unreachable here, so it comes from Debian bullseye's consul 1.8.7
# package, downloaded with a private apt configuration: the machine's /etc/apt and
# package state are never touched. The .deb is checked against a pinned SHA-256.
# Idempotent: nothing is downloaded when the binary is there and the .deb checks out.
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_NAME=consul_1.8.7+dfsg1-2+b3_amd64.deb
DEB_SHA256=e4e888bba104daba1d9161f49bfc52649a7e4efd45b1a7ead5bc54f2cb9c89d9
OUT=build/consul
BINARY=$OUT/consul

deb_ok() { [[ -f $OUT/$DEB_NAME ]] && echo "$DEB_SHA256  $OUT/$DEB_NAME" | sha256sum -c --quiet - >/dev/null 2>&1; }

if [[ -x $BINARY ]] && deb_ok; then
  echo "consul ready: $BINARY ($("$BINARY" version | head -n1))"
  exit 0
fi

mkdir -p "$OUT"
apt_dir=$(mktemp -d)
trap 'rm -rf "$apt_dir"' EXIT
# apt drops privileges to _apt for downloads: let it into the temporary tree.
chmod 0755 "$apt_dir"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
echo "deb http://deb.debian.org/debian bullseye main" >"$apt_dir/sources.list"
apt_opts=(
  -o "Dir::Etc::sourcelist=$apt_dir/sources.list"
  -o "Dir::Etc::sourceparts=-"
  -o "Dir::State::Lists=$apt_dir/lists"
  -o "Dir::Cache=$apt_dir/cache"
  -o "APT::Get::List-Cleanup=0"
)
apt-get "${apt_opts[@]}" -qq update
(cd "$apt_dir" && apt-get "${apt_opts[@]}" -qq download consul=1.8.7+dfsg1-2+b3)
mv "$apt_dir/$DEB_NAME" "$OUT/"

if ! deb_ok; then
  echo "checksum mismatch for $OUT/$DEB_NAME (want $DEB_SHA256):" >&2
  sha256sum "$OUT/$DEB_NAME" >&2 || true
  exit 1
fi
rm -rf "$OUT/root"
dpkg -x "$OUT/$DEB_NAME" "$OUT/root"
install -m 0755 "$OUT/root/usr/bin/consul" "$BINARY"
rm -rf "$OUT/root"
echo "consul ready: $BINARY ($("$BINARY" version | head -n1))"
