#!/usr/bin/env bash
# The local three-node lab: build what it needs, create the nodes and the
# provider (playbooks/lab.yml), converge them with site.yml, print the URL.
#
#   scripts/lab.sh up      what `make up` runs; a second run changes nothing
#   scripts/lab.sh down    remove the lab and everything it created
#
# Set NOMAD_BINARY=/path/to/nomad to place the application with Nomad; without
# it the lab places the same images as containers (static placement).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PWD/.venv/bin:$PATH
inventory=inventory/lab

step() { printf '\n==> %s\n' "$*"; }

up() {
  local start=$SECONDS
  step "Images: the node image, the application and the provider (cached after the first run)"
  scripts/ensure-node-image.sh
  scripts/build-images.sh backend worker frontend provider >/dev/null
  scripts/fetch-consul.sh
  step "Lab containers: provider and three nodes (playbooks/lab.yml)"
  ansible-playbook -i "$inventory" playbooks/lab.yml
  step "Converging the nodes (site.yml): the first run takes several minutes"
  ansible-playbook -i "$inventory" site.yml
  cat <<EOF

imgr runs on the lab (borie, republique, wacken), up in $((SECONDS - start)) s:
  http://localhost:8081/    UI and API, through the lab's entry to the floating IP
  https://localhost:8443/   the same over TLS (self-signed: curl --cacert inventory/lab/.secrets/public-tls.pem)
Nodes: ssh -i var/lab/ssh/id_ed25519 -p 2201 root@127.0.0.1 (borie; 2202, 2203 the others).
Stop and remove it: make down.
EOF
}

case "${1:-up}" in
  up) up ;;
  down) ansible-playbook -i "$inventory" playbooks/lab-destroy.yml ;;
  *)
    echo "usage: $0 [up|down]" >&2
    exit 64
    ;;
esac
