#!/usr/bin/env bash
# Applies the Fail2Ban files mailfort just shipped: installs Fail2Ban and what its jails need if
# missing, makes sure every log a jail reads exists, checks the whole configuration, then reloads
# the running server (or enables and starts it the first time). Run by Pulumi only when a Fail2Ban file changed; it never touches the mail
# container.
#
# Usage: mailfort-fail2ban-apply LOGFILE...
# Environment: F2B_CLIENT_OPTS  extra fail2ban-client options (-c DIR -s SOCKET), for tests.
set -euo pipefail

log() {
  local level=$1
  shift
  printf '%s mailfort-fail2ban-apply %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$level" "$*" >&2
}

client() {
  # shellcheck disable=SC2086 # F2B_CLIENT_OPTS is a list of options on purpose.
  fail2ban-client ${F2B_CLIENT_OPTS:-} "$@"
}

missing_packages() {
  command -v fail2ban-client >/dev/null || echo fail2ban
  command -v nft >/dev/null || echo nftables
  # The sshd jail reads the journal (fail2ban.sshdLog = journal) through python3-systemd.
  /usr/bin/python3 -c 'import systemd.journal' 2>/dev/null || echo python3-systemd
}

ensure_packages() {
  if [[ -n "${F2B_CLIENT_OPTS:-}" ]]; then
    return 0 # a test instance: never install on the machine running it
  fi
  local missing
  missing=$(missing_packages | tr '\n' ' ')
  if [[ -z "${missing// /}" ]]; then
    return 0
  fi
  log INFO "installing ${missing}"
  # apt-daily may hold the dpkg lock for minutes on a fresh VPS: wait for it.
  local -a apt=(-o DPkg::Lock::Timeout=600)
  DEBIAN_FRONTEND=noninteractive apt-get "${apt[@]}" update -q >/dev/null
  # shellcheck disable=SC2086 # one word per package on purpose.
  DEBIAN_FRONTEND=noninteractive apt-get "${apt[@]}" install -y -q --no-install-recommends \
    ${missing} >/dev/null
}

ensure_logs() {
  # Fail2Ban refuses to start a jail whose log is missing, e.g. before the mail container first
  # ran. touch never truncates a log that exists.
  local file
  for file in "$@"; do
    if [[ ! -e "$file" ]]; then
      install -d -m 0755 "$(dirname "$file")"
      touch "$file"
      log INFO "created empty log $file"
    fi
  done
}

check_config() {
  if ! client -t >/dev/null 2>&1; then
    log ERROR "fail2ban-client -t rejects the configuration; the running server keeps the old one"
    client -t >&2 || true
    exit 1
  fi
  log INFO "configuration checked"
}

reload_or_start() {
  if client ping >/dev/null 2>&1; then
    client reload >/dev/null
    log INFO "fail2ban reloaded"
  elif [[ -n "${F2B_CLIENT_OPTS:-}" ]]; then
    # systemd only knows the system instance; another one is started by whoever owns it.
    log ERROR "no fail2ban server answers at ${F2B_CLIENT_OPTS}; not starting the system one"
    exit 1
  else
    systemctl daemon-reload
    systemctl enable --now fail2ban
    log INFO "fail2ban enabled and started"
  fi
}

main() {
  ensure_packages
  ensure_logs "$@"
  check_config
  reload_or_start
}

main "$@"
