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
command -v dot >/dev/null || need+=(graphviz) # blueprint graph --format svg, drill pictures
command -v moto_server >/dev/null || { echo "moto_server not found: moto 5.2.1 is expected to be preinstalled" >&2; exit 1; }
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
