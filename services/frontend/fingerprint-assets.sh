#!/bin/sh
# Moves ROOT/assets/ to ROOT/assets/<content hash>/ and points index.html at it, so the
# assets can be cached for a year while a new release still gets fetched at once.
# Module imports are relative, so they follow the move without rewriting.
set -eu
root=$1
hash=$(cd "$root/assets" && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-12)
mv "$root/assets" "$root/assets.tmp"
mkdir "$root/assets"
mv "$root/assets.tmp" "$root/assets/$hash"
sed -i "s#\"assets/#\"assets/$hash/#g" "$root/index.html"
grep -q "assets/$hash/" "$root/index.html"
