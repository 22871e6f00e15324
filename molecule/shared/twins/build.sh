#!/usr/bin/env bash
# Builds local twins of HashiCorp's and Docker's download servers under /srv/twin/www,
# served over plain HTTP by twin-http.service (molecule/shared/twins.yml runs this once
# per scenario, inside the twin node). Same layout as the real servers, so the roles
# reach them through their URL variables only:
#   hashicorp/             apt repository like apt.releases.hashicorp.com (dists/bookworm/main),
#                          key at hashicorp/gpg; consul 1.8.7-1 (HashiCorp's version scheme)
#                          and nomad 0.0.0-stub-1 (a labelled stub, not Nomad)
#   docker/linux/debian/   apt repository like download.docker.com (dists/bookworm/stable),
#                          key at .../gpg; Debian's engine as docker-ce, docker-ce-cli, containerd.io
#   releases/<product>/<v>/<product>_<v>_linux_amd64.zip + <product>_<v>_SHA256SUMS(.sig)
#                          like releases.hashicorp.com; nomad's zip holds a labelled stub
#   hashicorp-resigned/, docker-resigned/linux/debian/
#                          the same repositories, their Release re-signed with another key
#   tampered/<product>/<v>/  zips whose content was swapped (SHA256SUMS unchanged)
# Both signing keys are generated here, expire after a day and never leave the twin.
set -euo pipefail
consul_deb=$1          # Debian bullseye's consul 1.8.7 .deb (scripts/fetch-consul.sh)
consul_version=1.8.7
nomad_version=0.0.0-stub
work=/srv/twin
www=$work/www
build=$work/build
export GNUPGHOME=$work/gnupg

rm -rf "$work"
mkdir -p "$www" "$build" "$GNUPGHOME"
chmod 0700 "$GNUPGHOME"

new_key() {
  gpg --batch --quiet --passphrase '' --quick-gen-key "$1" ed25519 sign 1d
  gpg --batch --with-colons --list-keys "$1" | awk -F: '/^fpr/ {print $10; exit}'
}
archive_key=$(new_key "imgr twin archive key (throwaway, tests only)")
other_key=$(new_key "imgr twin other key (throwaway, tests only)")

build_deb() {  # directory -> .deb next to it; fast compression: these never leave the test
  dpkg-deb --root-owner-group -Zgzip -z1 -b "$1" "$1.deb" >/dev/null
}

# --- consul, shaped like HashiCorp's package: the binary, a sample consul.hcl, version <v>-1.
mkdir -p "$build/consul/DEBIAN" "$build/consul/usr/bin" "$build/consul/etc/consul.d"
dpkg-deb --fsys-tarfile "$consul_deb" | tar -x -O ./usr/bin/consul >"$build/consul/usr/bin/consul"
chmod 0755 "$build/consul/usr/bin/consul"
echo 'data_dir = "/opt/consul"  # sample, as in HashiCorp'"'"'s package' >"$build/consul/etc/consul.d/consul.hcl"
echo /etc/consul.d/consul.hcl >"$build/consul/DEBIAN/conffiles"
cat >"$build/consul/DEBIAN/control" <<CONTROL
Package: consul
Version: $consul_version-1
Architecture: amd64
Maintainer: imgr test twin <nobody@invalid>
Depends: libc6
Section: admin
Priority: optional
Description: Consul $consul_version (test twin of HashiCorp's package)
 The consul binary of Debian bullseye's consul 1.8.7+dfsg1-2+b3, packaged in
 the layout and version scheme of apt.releases.hashicorp.com for imgr's tests.
CONTROL
build_deb "$build/consul"

# --- nomad: no Nomad binary exists here, so its package and zip hold a labelled stub.
mkdir -p "$build/nomad/DEBIAN" "$build/nomad/usr/bin"
cat >"$build/nomad/usr/bin/nomad" <<STUB
#!/bin/sh
# NOT NOMAD. A stub made by imgr's test twin (molecule/shared/twins/build.sh): no Nomad
# binary is obtainable in this environment, so only the roles' download, verification
# and install steps are exercised with it. It answers 'version' and nothing else.
if [ "\$1" = version ]; then echo "Nomad v$nomad_version (imgr test stub, not Nomad)"; exit 0; fi
echo "imgr test stub, not Nomad: only 'version' is answered" >&2
exit 1
STUB
chmod 0755 "$build/nomad/usr/bin/nomad"
cat >"$build/nomad/DEBIAN/control" <<CONTROL
Package: nomad
Version: $nomad_version-1
Architecture: amd64
Maintainer: imgr test twin <nobody@invalid>
Section: admin
Priority: optional
Description: NOT Nomad: a stub in the place of HashiCorp's nomad package
 A shell script answering 'version' only, for imgr's tests of the install path.
CONTROL
build_deb "$build/nomad"

# --- Docker's package names over Debian's engine (apt verifies the download against
# Debian's signed archive). docker.io holds the CLI too: it moves to docker-ce-cli.
(cd "$build" && apt-get download -qq docker.io containerd 2>/dev/null)
engine_version=$(dpkg-deb -f "$build"/docker.io_*.deb Version)
containerd_version=$(dpkg-deb -f "$build"/containerd_*.deb Version)
dpkg-deb -R "$build"/docker.io_*.deb "$build/docker-ce"
dpkg-deb -R "$build"/containerd_*.deb "$build/containerd.io"
mkdir -p "$build/docker-ce-cli/DEBIAN" "$build/docker-ce-cli/usr/bin"
mv "$build/docker-ce/usr/bin/docker" "$build/docker-ce-cli/usr/bin/docker"
sed -i '\| usr/bin/docker$|d' "$build/docker-ce/DEBIAN/md5sums"
# docker.io conflicts with Docker's names; the renamed package conflicts with docker.io.
sed -i -e 's/^Package: .*/Package: docker-ce/' -e 's/^Conflicts: .*/Conflicts: docker.io/' \
  "$build/docker-ce/DEBIAN/control"
sed -i -e 's/^Package: .*/Package: containerd.io/' \
  -e "/^Description:/i Provides: containerd (= $containerd_version)\nConflicts: containerd\nReplaces: containerd" \
  "$build/containerd.io/DEBIAN/control"
cat >"$build/docker-ce-cli/DEBIAN/control" <<CONTROL
Package: docker-ce-cli
Version: $engine_version
Architecture: amd64
Maintainer: imgr test twin <nobody@invalid>
Depends: libc6
Conflicts: docker.io
Section: admin
Priority: optional
Description: Docker CLI (test twin of Docker's docker-ce-cli)
 /usr/bin/docker of Debian's docker.io $engine_version, under Docker's package name.
CONTROL
for pkg in docker-ce docker-ce-cli containerd.io; do build_deb "$build/$pkg"; done

# --- apt repositories (reprepro), signed with the archive key.
apt_repo() {  # out-dir component label debs...
  local out=$1 component=$2 label=$3 base
  shift 3
  base=$build/reprepro-$(basename "$out")
  mkdir -p "$base/conf" "$out"
  printf 'Origin: imgr-twin\nLabel: %s\nCodename: bookworm\nArchitectures: amd64\nComponents: %s\nSignWith: %s\n' \
    "$label" "$component" "$archive_key" >"$base/conf/distributions"
  reprepro -s -b "$base" --outdir "$out" includedeb bookworm "$@"
  gpg --batch --armor --export "$archive_key" >"$out/gpg"
}
apt_repo "$www/hashicorp" main "imgr twin of apt.releases.hashicorp.com" "$build/consul.deb" "$build/nomad.deb"
apt_repo "$www/docker/linux/debian" stable "imgr twin of download.docker.com" \
  "$build/docker-ce.deb" "$build/docker-ce-cli.deb" "$build/containerd.io.deb"

# Copies of the repositories with their Release signed by a key the client was not given.
resign() {  # repository copy
  local dists=$2/dists/bookworm
  mkdir -p "$(dirname "$2")"
  cp -al "$1" "$2"
  rm "$dists/InRelease" "$dists/Release.gpg"
  gpg --batch -u "$other_key" --clearsign -o "$dists/InRelease" "$dists/Release"
  gpg --batch -u "$other_key" -abs -o "$dists/Release.gpg" "$dists/Release"
}
resign "$www/hashicorp" "$www/hashicorp-resigned"
resign "$www/docker/linux/debian" "$www/docker-resigned/linux/debian"

# --- release zips, SHA256SUMS signed like HashiCorp's, and tampered copies.
zip_one() {  # zip file arcname; fast deflate: the archives never leave the test
  python3 -c 'import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z: z.write(sys.argv[2], sys.argv[3])' "$@"
}
release() {  # product version binary tampered-binary
  local dir=$www/releases/$1/$2 zip=$1_$2_linux_amd64.zip
  mkdir -p "$dir" "$www/tampered/$1/$2"
  zip_one "$dir/$zip" "$3" "$1"
  zip_one "$www/tampered/$1/$2/$zip" "$4" "$1"
  (cd "$dir" && sha256sum "$zip" >"$1_$2_SHA256SUMS")
  gpg --batch -u "$archive_key" -o "$dir/$1_$2_SHA256SUMS.sig" --detach-sign "$dir/$1_$2_SHA256SUMS"
  cp "$dir/$1_$2_SHA256SUMS" "$www/tampered/$1/$2/"
}
printf '#!/bin/sh\necho "tampered copy: must never be installed"\n' >"$build/tampered"
release consul "$consul_version" "$build/consul/usr/bin/consul" "$build/tampered"
release nomad "$nomad_version" "$build/nomad/usr/bin/nomad" "$build/tampered"

rm -rf "$build"
echo "twins built in $www"
