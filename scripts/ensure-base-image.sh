#!/usr/bin/env bash
# Make sure the image `debian:bookworm` exists locally. Pull it when a registry
# answers; otherwise build the same minimal root filesystem with debootstrap
# and import it, so every `FROM debian:bookworm` in this project builds offline.
set -euo pipefail

image=debian:bookworm
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if docker image inspect "$image" >/dev/null 2>&1; then
  exit 0
fi
if timeout 60 docker pull -q "$image" >/dev/null 2>&1; then
  exit 0
fi
if ! command -v debootstrap >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi
rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
echo "Building $image with debootstrap (no registry answered)..." >&2
debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/dev/null
# Like the official image: no apt caches or docs left in the layer.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
tar -C "$rootfs" -c . | docker import -c 'CMD ["bash"]' - "$image" >/dev/null
echo "Built $image locally." >&2
