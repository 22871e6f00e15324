#!/usr/bin/env bash
# Build the imgr images: imgr/backend, imgr/worker (services/Dockerfile),
# imgr/frontend (services/frontend/Dockerfile) and imgr/provider (lab/provider/:
# the lab's S3 store, broker and public entry, Debian packages only), tagged with
# the version (services/pyproject.toml, or $IMGR_VERSION) and :latest (not with
# IMGR_VERSION), then print names and sizes.
#
#   scripts/build-images.sh                  # all four
#   scripts/build-images.sh backend worker   # some of them
#   scripts/build-images.sh provider         # only the lab provider
#
# The default includes the provider: the lab runs it, its first build is ~25 s of
# apt-get and every later one is a Docker cache hit (seconds).
#
# pip inside `docker build` may not reach PyPI (a TLS-intercepting proxy, or no
# network at all), so the Python wheels are made here on the host and sent in
# the build context. Safe to re-run: unchanged inputs give the same wheels,
# byte for byte, so Docker's layer cache makes a second run take seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

all_images=(backend worker frontend provider)
if [ $# -gt 0 ]; then images=("$@"); else images=("${all_images[@]}"); fi
for image in "${images[@]}"; do
  case " ${all_images[*]} " in
    *" $image "*) ;;
    *) echo "unknown image '$image'; choose from: ${all_images[*]}" >&2; exit 2 ;;
  esac
done

pip=.venv/bin/pip
if [ ! -x "$pip" ]; then
  echo "$pip is missing: run scripts/bootstrap.sh first" >&2
  exit 1
fi
if ! docker info >/dev/null 2>&1; then
  echo "No Docker engine answers (scripts/ensure-docker.sh starts one)." >&2
  exit 1
fi
# Pulls debian:bookworm when a registry answers, else builds it with debootstrap.
scripts/ensure-base-image.sh

# IMGR_VERSION=0.2.0 scripts/build-images.sh builds a release under that tag (and
# /version reports it); the default is the package's version.
version=${IMGR_VERSION:-$(python3 -c 'import tomllib; print(tomllib.load(open("services/pyproject.toml", "rb"))["project"]["version"])')}
revision=$(git describe --always --dirty 2>/dev/null || echo unknown)
# Our pins are the whole truth: ignore a machine-wide pip constraint file.
export PIP_CONSTRAINT='' PIP_DISABLE_PIP_VERSION_CHECK=1
# One build at a time per checkout: they share services/build/.
mkdir -p services/build
exec 9>services/build/.lock
flock 9

# Third-party wheels: rebuilt only when the pins change. A fresh directory each
# time, because the Dockerfile installs every wheel it finds there.
build_wheelhouse() {
  local wheelhouse=services/build/wheelhouse
  local stamp
  stamp=$(cat constraints.txt services/pyproject.toml | sha256sum | cut -c1-16)
  if [ -e "$wheelhouse/.stamp-$stamp" ]; then
    return
  fi
  echo "Building the wheelhouse from constraints.txt..." >&2
  rm -rf "$wheelhouse.new"
  # async-timeout: redis needs it below Python 3.11.3; Debian's python3 in the
  # image is 3.11.2 while the host's may be newer, so pip here would skip it.
  # `pip check` in the Dockerfile fails the build if another such gap appears.
  "$pip" wheel -q -c constraints.txt -w "$wheelhouse.new" ./services async-timeout
  rm -f "$wheelhouse.new"/imagehost-*.whl
  rm -rf "$wheelhouse"
  mv "$wheelhouse.new" "$wheelhouse"
  touch "$wheelhouse/.stamp-$stamp"
}

# The imagehost wheel: rebuilt every time (a few seconds). Fixed zip timestamps
# make it reproducible, hence cacheable. setuptools' build/lib keeps files
# deleted from src/, so clear it or they would ship in the wheel.
build_app_wheel() {
  rm -rf services/build/lib services/build/bdist.* services/build/app
  SOURCE_DATE_EPOCH=315532800 "$pip" wheel -q --no-deps -w services/build/app ./services
}

# No `created` label: a timestamp would make every run a new image.
build() {
  local name=$1 context=$2
  shift 2
  local start=$SECONDS
  # :latest follows the checkout's own version, not a release built with IMGR_VERSION.
  local tags=(-t "imgr/$name:$version")
  if [ -z "${IMGR_VERSION:-}" ]; then tags+=(-t "imgr/$name:latest"); fi
  docker build "$@" \
    --label "org.opencontainers.image.version=$version" \
    --label "org.opencontainers.image.revision=$revision" \
    --build-arg "IMGR_VERSION=$version" \
    "${tags[@]}" \
    "$context"
  echo "imgr/$name:$version built in $((SECONDS - start)) s" >&2
}

case " ${images[*]} " in
  *" backend "* | *" worker "*)
    build_wheelhouse
    build_app_wheel
    ;;
esac
for image in "${images[@]}"; do
  case $image in
    backend | worker) build "$image" services --target "$image" ;;
    frontend) build frontend services/frontend ;;
    provider) build provider lab/provider ;;
  esac
done

echo
for image in "${images[@]}"; do
  docker image inspect --format '{{.Size}}' "imgr/$image:$version" |
    awk -v name="imgr/$image:$version" '{ printf "%-28s %6.1f MB\n", name, $1 / 1e6 }'
done
