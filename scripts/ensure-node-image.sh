#!/usr/bin/env bash
# Build the systemd node image that Molecule scenarios and the lab run on.
# Docker's layer cache makes a second run take a second or two.
set -euo pipefail
cd "$(dirname "$0")/.."
docker build -q -t imgr/node:bookworm molecule/shared >/dev/null
echo "imgr/node:bookworm ready"
