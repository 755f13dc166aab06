#!/usr/bin/env bash
# Installs the Debian packages the local services need, only when missing.
set -euo pipefail
need=()
command -v pdns_server >/dev/null || need+=(pdns-server)
[ -e /usr/lib/x86_64-linux-gnu/pdns/libgsqlite3backend.so ] || ls /usr/lib/*/pdns/libgsqlite3backend.so >/dev/null 2>&1 || need+=(pdns-backend-sqlite3)
[ -x /lib/nut/upsd ] && [ -x /lib/nut/dummy-ups ] || need+=(nut-server)
command -v upsc >/dev/null || need+=(nut-client)
command -v snmpsimd >/dev/null || need+=(snmpsim)
command -v snmpget >/dev/null || need+=(snmp)
command -v dig >/dev/null || need+=(dnsutils)
command -v sqlite3 >/dev/null || need+=(sqlite3)
command -v curl >/dev/null || need+=(curl) # the demo probes its stand-ins
[ -x /usr/sbin/sshd ] || need+=(openssh-server) # namespace test hosts (acceptance/services/nshosts)
command -v ssh >/dev/null || need+=(openssh-client)
[ -x /usr/sbin/keepalived ] || need+=(keepalived)
[ -x /usr/sbin/haproxy ] || need+=(haproxy)
[ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || need+=(iproute2)
[ -x /usr/bin/python3 ] || need+=(python3) # the namespace hosts' stand-in web service
command -v patroni >/dev/null || need+=(patroni) # bare-metal databases (internal/patroni)
command -v etcd >/dev/null || need+=(etcd-server)
command -v etcdctl >/dev/null || need+=(etcd-client)
[ -x /usr/lib/postgresql/15/bin/postgres ] || need+=(postgresql)
command -v pgbackrest >/dev/null || need+=(pgbackrest)
command -v gcloud >/dev/null || need+=(google-cloud-cli) # independent observer in the GCP acceptance tests
command -v dot >/dev/null || need+=(graphviz) # blueprint graph --format svg, drill pictures
[ -x /usr/bin/redis-server ] || need+=(redis-server) # bare-metal caches (internal/redissentinel)
[ -x /usr/bin/redis-sentinel ] || need+=(redis-sentinel)
command -v redis-cli >/dev/null || need+=(redis-tools) # the cache test's observer
command -v moto_server >/dev/null || { echo "moto_server not found: moto 5.2.1 is expected to be preinstalled" >&2; exit 1; }
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
