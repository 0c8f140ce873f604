#!/usr/bin/env bash
# Run first by `npm test`: the Debian packages the tests drive for real. Chromium for the page tests
# (never a downloaded browser), faketime (libfaketime) to step a gateway's wall clock, socat for a
# virtual serial line (Modbus RTU), etcd-server (etcd) for the pair of gateways (test/ha), snmpd (Net-SNMP's agent) for the SNMP adapter's v2c/v3 tests. Missing ones are installed with apt-get when this runs as root
# or with passwordless sudo; otherwise it stops with one message naming the packages and the command.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# etcd for the pair tests (test/ha): three real members on loopback ports.
[ -x /usr/bin/etcd ] || need+=(etcd-server)
# iptables: the pair's partition test cuts two gateways' traffic on the loopback by owner.
command -v iptables >/dev/null 2>&1 || need+=(iptables)
command -v faketime >/dev/null 2>&1 || need+=(faketime)
command -v socat >/dev/null 2>&1 || need+=(socat)
[ -x /usr/sbin/snmpd ] || need+=(snmpd)
[ "${#need[@]}" -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "npm test needs these programs, which are missing: ${need[*]} (Debian packages of the same names). Install them with your system's package manager and run npm test again." >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  as=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as=(sudo -n)
else
  echo "npm test needs the Debian packages ${need[*]}, which are missing, and cannot install them (not root, no passwordless sudo). Run: sudo apt-get install -y --no-install-recommends ${need[*]}" >&2
  exit 1
fi
echo "npm test: installing the missing Debian packages ${need[*]}" >&2
"${as[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
