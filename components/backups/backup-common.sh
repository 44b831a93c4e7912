# shellcheck shell=bash
# Shared by mailfort-backup, mailfort-restore and mailfort-backup-check: configuration, logging,
# the restic environment and the state files the monitoring reads. Sourced, never run.
#
# Parameters come from the rendered file named by MAILFORT_BACKUP_CONF
# (default /etc/mailfort/backup.conf), so a test can point every path into a temp dir.

readonly BACKUP_CONF=${MAILFORT_BACKUP_CONF:-/etc/mailfort/backup.conf}

log() {
  local level=$1
  shift
  local line
  line="$(date -u +%Y-%m-%dT%H:%M:%SZ) ${level} ${PROGRAM}: $*"
  printf '%s\n' "$line" >&2
  # The security log gets what an operator must act on, not the routine chatter.
  if [[ ${level} == WARN || ${level} == ERROR ]] && [[ -n ${SECURITY_LOG:-} ]]; then
    printf '%s\n' "$line" >>"$SECURITY_LOG" 2>/dev/null || true
  fi
}

# A job that sets STATE_JOB records every fatal error in its state file for the monitoring.
die() {
  log ERROR "$*"
  if [[ -n ${STATE_JOB:-} ]]; then
    write_state "$STATE_JOB" failure "$*"
  fi
  exit 1
}

load_config() {
  [[ -r ${BACKUP_CONF} ]] || die "cannot read ${BACKUP_CONF}"
  # shellcheck source=/dev/null
  source "$BACKUP_CONF"
  : "${RESTIC_REPOSITORY:?} ${RESTIC_PASSWORD_FILE:?} ${BACKUP_HOST:?} ${STATE_DIR:?}"
  : "${BACKUP_TAG:=mailfort}" "${RESTIC:=restic}"
  export RESTIC_REPOSITORY RESTIC_PASSWORD_FILE
  if [[ -n ${RESTIC_CACHE_DIR:-} ]]; then
    export RESTIC_CACHE_DIR
  fi
  mkdir -p "$STATE_DIR"
  chmod 0755 "$STATE_DIR"
}

# The S3 credentials file holds KEY=value lines; only the two AWS names are taken, and never
# through `source`, so a value can hold any character without being run as shell.
load_s3_credentials() {
  [[ -n ${S3_ENV_FILE:-} ]] || return 0
  [[ -r ${S3_ENV_FILE} ]] || die "cannot read the S3 credentials file ${S3_ENV_FILE}"
  local key value
  while IFS='=' read -r key value; do
    case ${key} in
      AWS_ACCESS_KEY_ID | AWS_SECRET_ACCESS_KEY) export "${key}=${value}" ;;
      *) ;;
    esac
  done <"$S3_ENV_FILE"
}

prepare_restic() {
  [[ -r ${RESTIC_PASSWORD_FILE} ]] ||
    die "cannot read the repository password file ${RESTIC_PASSWORD_FILE}"
  load_s3_credentials
}

# restic prints its reason on a `Fatal:` line; that line (never the password) goes into logs.
restic_reason() {
  local output=$1 reason
  reason=$(grep -m1 '^Fatal:' "$output" || tail -n 1 "$output")
  printf '%s' "${reason:-restic failed without a message}" | tr -d '\r' | tr '\n' ' '
}

# Writes <job>.state atomically: result, times and the last success, which survives failures.
write_state() {
  local job=$1 result=$2 message=$3 snapshot=${4:-}
  local file=${STATE_DIR}/${job}.state now last_success=0
  now=$(date -u +%s)
  if [[ -r ${file} ]]; then
    last_success=$(sed -n 's/^last_success_epoch=//p' "$file")
  fi
  if [[ ${result} == success ]]; then
    last_success=${now}
  fi
  local tmp
  tmp=$(mktemp "${file}.XXXXXX")
  {
    printf 'job=%s\n' "$job"
    printf 'result=%s\n' "$result"
    printf 'finished=%s\n' "$(date -u -d "@${now}" +%Y-%m-%dT%H:%M:%SZ)"
    printf 'finished_epoch=%s\n' "$now"
    printf 'last_success_epoch=%s\n' "${last_success:-0}"
    printf 'snapshot=%s\n' "$snapshot"
    printf 'message=%s\n' "$message"
  } >"$tmp"
  chmod 0644 "$tmp"
  mv -f "$tmp" "$file"
}

# Backup, prune and check all take restic's exclusive lock; one at a time avoids lock errors.
take_lock() {
  exec 9>"$STATE_DIR/lock"
  flock -w "${LOCK_WAIT_SECONDS:-3600}" 9 || die "another backup job holds ${STATE_DIR}/lock"
}
