#!/usr/bin/env bash
# Build the systemd node images: imgr/node:bookworm, the bare "VM" the Molecule
# scenarios start from, and imgr/node:bookworm-preinstalled, the same with the
# roles' Debian packages, which the lab's nodes (and the consul scenario) run. Docker's layer cache makes a
# second run take a second or two.
set -euo pipefail
cd "$(dirname "$0")/.."
docker build -q -t imgr/node:bookworm molecule/shared >/dev/null
docker build -q -t imgr/node:bookworm-preinstalled molecule/shared/preinstalled >/dev/null
echo "imgr/node:bookworm and imgr/node:bookworm-preinstalled ready"
