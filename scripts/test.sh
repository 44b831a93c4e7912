#!/usr/bin/env bash
# The README's test command. As root on Debian it first installs the packages the system tests
# need (scripts/debian-packages.txt); elsewhere those tests fail and name what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[test] %s\n' "$*" >&2; }

wanted_packages() {
  sed -e 's/#.*//' -e 's/[[:space:]]//g' scripts/debian-packages.txt | grep -v '^$'
}

missing_packages() {
  local pkg
  while read -r pkg; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || echo "$pkg"
  done < <(wanted_packages)
}

install_system_packages() {
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    log "not root on Debian: not installing system packages; system tests will name what is missing"
    return 0
  fi
  local missing
  missing=$(missing_packages)
  if [ -z "$missing" ]; then
    log "system packages present"
    return 0
  fi
  log "installing: $(echo "$missing" | tr '\n' ' ')"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # Debian's fail2ban and ufw packages start their services; keep them from touching this host.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  rm -f /usr/sbin/policy-rc.d
}

install_system_packages
[ -d node_modules ] || npm ci --no-audit --no-fund
npx tsc --noEmit -p .
exec npx vitest run "$@"
