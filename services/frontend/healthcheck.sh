#!/bin/bash
# Healthy when nginx answers 200 for /config.json, which also proves the entrypoint ran.
# bash's /dev/tcp keeps curl/wget out of the image.
set -eu
exec 3<>/dev/tcp/127.0.0.1/8080
printf 'GET /config.json HTTP/1.0\r\nHost: localhost\r\nUser-Agent: imgr-healthcheck\r\n\r\n' >&3
IFS= read -r -t 2 status_line <&3
case "$status_line" in
  "HTTP/1.1 200 "*) exit 0 ;;
  *) echo "unhealthy: ${status_line:-no answer}" >&2; exit 1 ;;
esac
