#!/usr/bin/env bash
# Run the image-hosting service on this machine, without containers:
# Redis (broker), moto's S3 server (in memory), the backend under gunicorn, one Celery
# worker and a static server for the web UI. Returns once every part answers.
#
#   scripts/up.sh          start (what already runs is left alone), print the URLs
#   scripts/up.sh stop     stop everything it started
#   scripts/up.sh status   which parts run
#
# State lives under var/ (gitignored): pid files in var/run/, logs in var/log/.
# Ports, the host name the browser uses and the state directory can be changed through
# the environment: IMGR_BIND (127.0.0.1), IMGR_PUBLIC_HOST (localhost),
# IMGR_BACKEND_PORT (8080), IMGR_FRONTEND_PORT (8000), IMGR_REDIS_PORT (6390),
# IMGR_S3_PORT (9000), IMGR_WORKER_METRICS_PORT (9808), IMGR_VAR_DIR (var).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

bind=${IMGR_BIND:-127.0.0.1}
public_host=${IMGR_PUBLIC_HOST:-localhost}
backend_port=${IMGR_BACKEND_PORT:-8080}
frontend_port=${IMGR_FRONTEND_PORT:-8000}
redis_port=${IMGR_REDIS_PORT:-6390}
s3_port=${IMGR_S3_PORT:-9000}
metrics_port=${IMGR_WORKER_METRICS_PORT:-9808}

var=${IMGR_VAR_DIR:-$root/var}
run=$var/run
logs=$var/log
venv=$root/.venv/bin
static=$root/services/frontend/static
parts=(redis s3 backend worker frontend)

# moto accepts any credentials; these only exist so boto3 finds some.
export CELERY_BROKER_URL="redis://127.0.0.1:$redis_port/0"
export S3_ENDPOINT_URL="http://127.0.0.1:$s3_port"
export AWS_ACCESS_KEY_ID=imgr-local AWS_SECRET_ACCESS_KEY=imgr-local
export AWS_REGION_NAME=us-east-1 S3_BUCKET_NAME=images
export WORKER_METRICS_PORT=$metrics_port PORT=$backend_port
export PYTHONPATH=$root/services/src${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1

pid_of() { cat "$run/$1.pid" 2>/dev/null || true; }

# A process that exited but is not reaped yet (its parent, this script, is gone) is a
# zombie: kill -0 still succeeds on it, so look at its state.
alive() {
  [ -n "$1" ] && [ -e "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

running() { alive "$(pid_of "$1")"; }

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start NAME PORT COMMAND...: in its own session (so `stop` ends its whole process
# group), output to var/log/NAME.log, pid in var/run/NAME.pid.
start() {
  local name=$1 port=$2
  shift 2
  if running "$name"; then
    echo "  $name: already running (pid $(pid_of "$name"))"
    return
  fi
  if [ "$port" != - ] && port_taken "$port"; then
    echo "$name: port $port is already used by another program (set IMGR_*_PORT)" >&2
    exit 1
  fi
  setsid "$@" >>"$logs/$name.log" 2>&1 </dev/null &
  echo $! >"$run/$name.pid"
  echo "  $name: started (pid $!, log $logs/$name.log)"
}

# wait_for NAME CHECK...: poll CHECK for at most 60 s.
wait_for() {
  local name=$1
  shift
  for _ in $(seq 600); do
    if "$@" >/dev/null 2>&1; then
      return
    fi
    if ! running "$name"; then
      echo "$name exited; the end of $logs/$name.log:" >&2
      tail -n 20 "$logs/$name.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "$name did not become ready in 60 s; see $logs/$name.log" >&2
  exit 1
}

http_ok() { curl -fsS -o /dev/null --max-time 2 "$1"; }
worker_consuming() { tail -n "+$worker_log_from" "$logs/worker.log" | grep -q " ready\."; }

# The UI from the source tree plus a config.json telling it where the backend is.
prepare_frontend() {
  local site=$run/frontend
  if [ ! -f "$static/index.html" ]; then
    echo "services/frontend/static/index.html is missing: cannot serve the UI" >&2
    exit 1
  fi
  rm -rf "$site"
  mkdir -p "$site"
  for entry in "$static"/*; do
    ln -s "$entry" "$site/"
  done
  printf '{"endpoint": "http://%s:%s"}\n' "$public_host" "$backend_port" >"$site/config.json"
}

up() {
  mkdir -p "$run" "$logs"
  echo "Starting imgr locally:"
  start redis "$redis_port" redis-server --port "$redis_port" --bind 127.0.0.1 \
    --save "" --appendonly no --dir "$run" --daemonize no
  start s3 "$s3_port" "$venv/moto_server" -H 127.0.0.1 -p "$s3_port"
  wait_for redis redis-cli -p "$redis_port" ping
  wait_for s3 http_ok "$S3_ENDPOINT_URL/moto-api/"

  # The backend creates the bucket when it starts.
  PROMETHEUS_MULTIPROC_DIR=$(mkdir -p "$run/metrics-backend" && echo "$run/metrics-backend") \
    start backend "$backend_port" "$venv/gunicorn" -c python:imagehost.backend.gunicorn_conf \
    --bind "$bind:$backend_port" "imagehost.backend:create_app()"
  wait_for backend http_ok "http://127.0.0.1:$backend_port/ready"

  # Only this start's log lines count when waiting for the worker to say it consumes.
  touch "$logs/worker.log"
  worker_log_from=$(($(wc -l <"$logs/worker.log") + 1))
  was_running=
  if running worker; then was_running=yes; fi
  PROMETHEUS_MULTIPROC_DIR=$(mkdir -p "$run/metrics-worker" && echo "$run/metrics-worker") \
    start worker "$metrics_port" "$venv/celery" -A imagehost.worker worker --loglevel=INFO \
    --concurrency=2 --hostname="imgr-local@%h"
  wait_for worker http_ok "http://127.0.0.1:$metrics_port/metrics"
  [ -n "$was_running" ] || wait_for worker worker_consuming

  prepare_frontend
  start frontend "$frontend_port" "$venv/python" -m http.server "$frontend_port" \
    --bind "$bind" --directory "$run/frontend"
  wait_for frontend http_ok "http://127.0.0.1:$frontend_port/config.json"

  cat <<EOF

imgr runs locally (stop it with: make dev-down). Images are kept in memory by moto:
they are gone once it stops.
  web UI           http://$public_host:$frontend_port/
  backend API      http://$public_host:$backend_port/   (ready: /ready, metrics: /metrics)
  worker metrics   http://127.0.0.1:$metrics_port/metrics
  S3 (moto)        $S3_ENDPOINT_URL   bucket $S3_BUCKET_NAME
  Redis broker     $CELERY_BROKER_URL
  logs             $logs/
EOF
}

stop() {
  local name pid
  # Reverse order: nothing is left talking to a broker or store that is gone.
  for ((i = ${#parts[@]} - 1; i >= 0; i--)); do
    name=${parts[i]}
    pid=$(pid_of "$name")
    if [ -z "$pid" ]; then
      continue
    fi
    if alive "$pid"; then
      kill -TERM -- "-$pid" 2>/dev/null || true
      for _ in $(seq 150); do
        alive "$pid" || break
        sleep 0.1
      done
      kill -KILL -- "-$pid" 2>/dev/null || true
      echo "  $name: stopped"
    fi
    rm -f "$run/$name.pid"
  done
}

status() {
  local name
  for name in "${parts[@]}"; do
    if running "$name"; then
      echo "  $name: running (pid $(pid_of "$name"))"
    else
      echo "  $name: stopped"
    fi
  done
}

case "${1:-up}" in
  up | start) up ;;
  stop | down) stop ;;
  status) status ;;
  *)
    echo "usage: $0 [up|stop|status]" >&2
    exit 64
    ;;
esac
