#!/bin/sh
# Writes what depends on the deployment (the /config.json the UI reads at start, and the
# Content-Security-Policy that lets the browser talk to that backend), then runs the command.
set -eu

runtime=/run/imgr-frontend
endpoint="${BACKEND_ENDPOINT:-}"
endpoint="${endpoint%/}"

# The value ends up inside JSON and an HTTP header: accept a plain http(s) URL only.
if [ -n "$endpoint" ] && ! printf '%s' "$endpoint" | grep -Eq '^https?://[][A-Za-z0-9.:_~%/-]+$'; then
  echo "imgr-frontend: BACKEND_ENDPOINT must be empty (same origin) or an http(s) URL" \
    "without quotes, spaces or credentials, got: $endpoint" >&2
  exit 64
fi
# The backend's upload limit, so the UI refuses a bigger file before sending it.
max_upload_bytes="${MAX_UPLOAD_BYTES:-20971520}"
case $max_upload_bytes in
  '' | *[!0-9]*)
    echo "imgr-frontend: MAX_UPLOAD_BYTES must be a number of bytes, got: $max_upload_bytes" >&2
    exit 64
    ;;
esac
origin=$(printf '%s' "$endpoint" | sed -E 's#^(https?://[^/]+).*#\1#')
sources="'self'${origin:+ $origin}"

mkdir -p "$runtime/tmp"
printf '{"endpoint": "%s", "max_upload_bytes": %s}\n' "$endpoint" "$max_upload_bytes" \
  >"$runtime/config.json"
csp="default-src 'self'; img-src $sources data: blob:; connect-src $sources; object-src 'none'"
csp="$csp; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
printf 'add_header Content-Security-Policy "%s" always;\n' "$csp" >"$runtime/csp.conf"

echo "imgr-frontend: backend endpoint: ${endpoint:-(same origin)}" >&2
exec "$@"
