#!/usr/bin/env bash
# Prepare this machine for the project: Debian packages the tests run for real
# (Redis, RabbitMQ, Docker, Chromium, libvips, debootstrap) and the pinned
# Python environment in .venv. Safe to re-run: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(
  redis-server rabbitmq-server          # Celery brokers, run for real in tests
  docker.io debootstrap                 # engine for images and Molecule nodes
  chromium                              # the browser test
  libvips42                             # pyvips, the benchmark's comparison
  haproxy keepalived                    # config checks on the controller
)

missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "Missing Debian packages (install them as root): ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian starts these on install where it can; the tests run their own instances.
for svc in redis-server rabbitmq-server; do
  command -v service >/dev/null && service "$svc" stop >/dev/null 2>&1 || true
done

stamp=.venv/.installed-$(cat constraints.txt pyproject.toml services/pyproject.toml | sha256sum | cut -c1-16)
if [ ! -e "$stamp" ]; then
  python3 -m venv .venv
  # Our pins are the whole truth: ignore a machine-wide pip constraint file.
  export PIP_CONSTRAINT=
  .venv/bin/pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]' -e ./services
  rm -f .venv/.installed-*
  touch "$stamp"
fi
