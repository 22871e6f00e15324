#!/usr/bin/env bash
# Run a command and append how long it took to var/timings.tsv (step, seconds),
# which the test run's summary prints as the set-up part of its time budget.
#
#   scripts/timed.sh "Docker engine" scripts/ensure-docker.sh
set -euo pipefail
step=$1
shift
start=${EPOCHREALTIME/./}
status=0
"$@" || status=$?
elapsed=$((${EPOCHREALTIME/./} - start))
var=$(dirname "$0")/../var
mkdir -p "$var"
printf '%s\t%d.%d\n' "$step" $((elapsed / 1000000)) $((elapsed % 1000000 / 100000)) >>"$var/timings.tsv"
exit "$status"
