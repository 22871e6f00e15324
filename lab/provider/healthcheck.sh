#!/bin/bash
# Docker HEALTHCHECK: every Swift server answers /healthcheck and Redis answers PING;
# in the forward's container, HAProxy accepts connections on the public port.
set -euo pipefail

if [[ $(cat /run/provider-mode) == forward ]]; then
  ports=(8081)
  [[ -z ${PUBLIC_TLS_FORWARD:-} ]] || ports+=(8443)
  for port in "${ports[@]}"; do
    exec 3<>"/dev/tcp/127.0.0.1/$port" || {
      echo "forward: port $port refuses connections"
      exit 1
    }
    exec 3<&-
  done
  exit 0
fi

# 8080 proxy (S3), 6200 object, 6201 container, 6202 account.
for port in 8080 6200 6201 6202; do
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'GET /healthcheck HTTP/1.0\r\n\r\n' >&3
  read -r -t 3 status <&3 || status="no answer"
  exec 3<&-
  if [[ $status != "HTTP/1."[01]" 200"* ]]; then
    echo "swift on port $port: ${status%$'\r'}"
    exit 1
  fi
done
# The password goes through the environment, never a command line.
pong=$(REDISCLI_AUTH=$REDIS_PASSWORD redis-cli --no-auth-warning -h 127.0.0.1 ping)
if [[ $pong != PONG ]]; then
  echo "redis: $pong"
  exit 1
fi
