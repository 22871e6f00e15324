#!/bin/bash
# The lab's provider, in one image run as two containers:
#   provider-entrypoint           the provider's services: Swift (S3 through s3api, with
#                                 memcached and rsyslog) and Redis (the Celery broker)
#   provider-entrypoint forward   the public entry: HAProxy forwarding TCP to the cluster
# Two containers, so the storage and broker can restart while the entry stays up, as a
# cloud's load balancer does. Run them with `docker run --init`: the init forwards
# Docker's SIGTERM here, and this script stops every service and exits; if one
# service dies, the others are stopped too, so a restart policy starts all afresh.
#
# Environment of the services (nothing secret is in the image):
#   S3_ACCESS_KEY   <account>:<user>, lowercase letters and digits, e.g. imgr:app
#                   (Swift's tempauth names users that way; it is the S3 access key id)
#   S3_SECRET_KEY   the S3 secret access key
#   REDIS_PASSWORD  Redis's requirepass (clients: redis://:PASSWORD@HOST:6379/0)
# Secrets: letters, digits and ._~+/=- only (they go into config files verbatim);
# `openssl rand -hex 32` makes a good one.
# Environment of the forward:
#   PUBLIC_FORWARD      HOST:PORT, e.g. 172.29.10.100:8081: HAProxy listens on 0.0.0.0:8081
#                       and forwards TCP there
#   PUBLIC_TLS_FORWARD  optional HOST:PORT, e.g. 172.29.10.100:8443: the same from 0.0.0.0:8443
#                       (TLS passes through untouched: the cluster's HAProxy terminates it)
set -euo pipefail

die() {
  echo "provider: $*" >&2
  exit 2
}

mode=${1:-services}
echo "$mode" >/run/provider-mode

# ---- the public entry: plain TCP from the public port to the floating IP ----
if [[ $mode == forward ]]; then
  forward_re='^[A-Za-z0-9.-]+:[0-9]+$'
  [[ ${PUBLIC_FORWARD:-} =~ $forward_re ]] ||
    die "PUBLIC_FORWARD must be HOST:PORT, e.g. 172.29.10.100:8081"
  [[ -z ${PUBLIC_TLS_FORWARD:-} || $PUBLIC_TLS_FORWARD =~ $forward_re ]] ||
    die "PUBLIC_TLS_FORWARD must be HOST:PORT, e.g. 172.29.10.100:8443"
  cat >/etc/haproxy/provider.cfg <<CONF
global
    maxconn 4096

defaults
    mode tcp
    timeout connect 2s
    timeout client 1m
    timeout server 1m

frontend public
    bind 0.0.0.0:8081
    default_backend cluster

backend cluster
    server floating_ip $PUBLIC_FORWARD
CONF
  if [[ -n ${PUBLIC_TLS_FORWARD:-} ]]; then
    cat >>/etc/haproxy/provider.cfg <<CONF

frontend public_tls
    bind 0.0.0.0:8443
    default_backend cluster_tls

backend cluster_tls
    server floating_ip $PUBLIC_TLS_FORWARD
CONF
  fi
  haproxy -c -q -f /etc/haproxy/provider.cfg || die "the HAProxy configuration is invalid"
  exec setpriv --reuid=haproxy --regid=haproxy --init-groups \
    haproxy -db -f /etc/haproxy/provider.cfg
fi
[[ $mode == services ]] || die "unknown mode '$mode': use 'forward' or nothing"

secret_chars='^[A-Za-z0-9._~+/=-]+$'
[[ -n ${S3_ACCESS_KEY:-} ]] || die "S3_ACCESS_KEY is not set (form <account>:<user>, e.g. imgr:app)"
[[ $S3_ACCESS_KEY =~ ^([a-z0-9]+):([a-z0-9]+)$ ]] ||
  die "S3_ACCESS_KEY must be <account>:<user> in lowercase letters and digits, e.g. imgr:app"
s3_account=${BASH_REMATCH[1]} s3_user=${BASH_REMATCH[2]}
for name in S3_SECRET_KEY REDIS_PASSWORD; do
  [[ -n ${!name:-} ]] || die "$name is not set"
  [[ ${!name} =~ $secret_chars ]] || die "$name: use only letters, digits and ._~+/=-"
done

# ---- Swift: one device, one replica, everything on 127.0.0.1 except the proxy ----
# The volume holds the device (devices/d1) and the path hash salt, which decides where
# objects lie on disk: made once, kept with the data.
install -d -o swift -g swift /srv/node/devices /srv/node/devices/d1 /var/cache/swift
suffix_file=/srv/node/swift_hash_path_suffix
[[ -s $suffix_file ]] || od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$suffix_file"
cat >/etc/swift/swift.conf <<CONF
[swift-hash]
swift_hash_path_suffix = $(cat "$suffix_file")

[storage-policy:0]
name = Policy-0
default = yes
CONF

# Rings are a pure function of these arguments (one device holds every partition),
# so rebuilding them in a new container finds the same objects on the volume.
declare -A ports=([object]=6200 [container]=6201 [account]=6202)
for ring in object container account; do
  [[ -e /etc/swift/$ring.ring.gz ]] && continue
  builder=/etc/swift/$ring.builder
  rm -f "$builder"
  swift-ring-builder "$builder" create 10 1 1 >/dev/null
  swift-ring-builder "$builder" add "r1z1-127.0.0.1:${ports[$ring]}/d1" 100 >/dev/null
  swift-ring-builder "$builder" rebalance >/dev/null
done

for server in object container account; do
  cat >"/etc/swift/$server-server.conf" <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = ${ports[$server]}
workers = 1
user = swift
devices = /srv/node/devices
mount_check = false

[pipeline:main]
pipeline = healthcheck $server-server

[app:$server-server]
use = egg:swift#$server

[filter:healthcheck]
use = egg:swift#healthcheck

# Only the object server's section is read (by swift-object-updater, below).
[$server-updater]
interval = 10
concurrency = 1
CONF
done

# s3api before the auth middleware; the S3 access key <account>:<user> is a tempauth user.
umask 077
cat >/etc/swift/proxy-server.conf <<CONF
[DEFAULT]
bind_ip = 0.0.0.0
bind_port = 8080
workers = 1
user = swift

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk s3api tempauth copy slo dlo versioned_writes symlink proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:s3api]
use = egg:swift#s3api
location = us-east-1

[filter:tempauth]
use = egg:swift#tempauth
user_${s3_account}_${s3_user} = $S3_SECRET_KEY .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:11211

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:versioned_writes]
use = egg:swift#versioned_writes
[filter:symlink]
use = egg:swift#symlink
CONF

# Swift logs to /dev/log (much slower without it); warnings and errors reach `docker logs`,
# per-request lines are dropped.
umask 022
cat >/etc/rsyslog.provider.conf <<'CONF'
module(load="imuxsock")
*.warning action(type="omfile" file="/dev/stdout")
CONF

# ---- Redis: the broker, every write in the append-only file, fsync each second ----
install -d -o redis -g redis -m 750 /var/lib/redis
umask 077
cat >/etc/redis/provider.conf <<CONF
bind 0.0.0.0
port 6379
requirepass $REDIS_PASSWORD
dir /var/lib/redis
appendonly yes
appendfsync everysec
save ""
daemonize no
logfile ""
CONF
chown redis:redis /etc/redis/provider.conf

# ---- run everything; stop everything when asked or when one service dies ----
declare -A names=()
start() {
  local name=$1
  shift
  "$@" &
  names[$!]=$name
}

stop() {
  trap - TERM INT
  kill -TERM "${!names[@]}" 2>/dev/null || true
  wait || true
  exit "$1"
}
trap 'stop 0' TERM INT

start rsyslogd rsyslogd -n -f /etc/rsyslog.provider.conf -i /run/rsyslogd.pid
start memcached memcached -u memcache -l 127.0.0.1 -p 11211 -m 32
start redis setpriv --reuid=redis --regid=redis --init-groups redis-server /etc/redis/provider.conf
for server in object container account proxy; do
  start "swift-$server" "swift-$server-server" "/etc/swift/$server-server.conf"
done
# Applies container listing updates the object server had to defer (a slow moment):
# without it such an object would be stored but missing from bucket listings.
start swift-object-updater swift-object-updater /etc/swift/object-server.conf
echo "provider: started ${names[*]}"

status=0
wait -n -p dead || status=$?
echo "provider: ${names[$dead]:-a service} exited (status $status); stopping the rest" >&2
stop 1
