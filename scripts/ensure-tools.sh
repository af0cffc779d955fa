#!/usr/bin/env bash
# Installs what the scale-out tests run besides Postgres and Redis, from Debian's packages,
# when missing: HAProxy (the load balancer in front of replicas, test/replicas.test.ts) and
# PgBouncer (the Postgres pooler, test/pgbouncer.test.ts). The tests start their own instances
# with their own configuration on free ports, so no system instance may run: the packages'
# daemons are kept from starting while they install, and stopped if one runs anyway.
set -euo pipefail

declare -A binaries=([haproxy]=/usr/sbin/haproxy [pgbouncer]=/usr/sbin/pgbouncer)
missing=()
for package in "${!binaries[@]}"; do
  [ -x "${binaries[$package]}" ] || missing+=("$package")
done

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-tools: ${missing[*]} missing; run this script as root (it uses apt-get)" >&2
    exit 1
  fi
  echo "ensure-tools: installing ${missing[*]}"
  # Debian's maintainer scripts ask policy-rc.d before starting a daemon; 101 means "not now".
  # Only while installing, and only when the machine has no policy of its own.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -qq
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A system instance (started by a machine whose own policy allowed it) would hold the default
# ports 6432 / the packaged haproxy.cfg's: stop it through its init script, as its package would.
for package in haproxy pgbouncer; do
  if [ -x "/etc/init.d/$package" ] && "/etc/init.d/$package" status >/dev/null 2>&1; then
    echo "ensure-tools: stopping the system $package"
    "/etc/init.d/$package" stop >/dev/null 2>&1 || true
  fi
done

haproxy -v | sed -n 1p
/usr/sbin/pgbouncer --version | sed -n 1p
