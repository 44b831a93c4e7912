#!/bin/sh
# Runs inside the certbot sidecar (Alpine, POSIX sh). Obtains the certificate for the mail host
# names with the DNS-01 challenge, then renews in a loop; DMS notices renewed files by itself.
# Parameters come from the container environment, set by mailfort:
#   CERT_NAME, CERT_DOMAINS (comma-separated), CERT_EMAIL, PROPAGATION_SECONDS, RENEW_SECONDS
set -eu

log() {
  printf '%s %s certbot-loop: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" "$2"
}

obtain_or_renew() {
  # --keep-until-expiring makes this a no-op until the certificate is due for renewal.
  certbot certonly \
    --non-interactive --agree-tos \
    --email "${CERT_EMAIL}" \
    --dns-cloudflare \
    --dns-cloudflare-credentials /run/mailfort/cloudflare.ini \
    --dns-cloudflare-propagation-seconds "${PROPAGATION_SECONDS}" \
    --cert-name "${CERT_NAME}" \
    --domains "${CERT_DOMAINS}" \
    --key-type ecdsa \
    --keep-until-expiring
}

main() {
  while :; do
    if obtain_or_renew; then
      log info "certificate ${CERT_NAME} is current; next check in ${RENEW_SECONDS}s"
      sleep "${RENEW_SECONDS}"
    else
      # Retry soon: the mail container waits for the first certificate.
      log error "certbot failed for ${CERT_NAME}; retrying in 300s"
      sleep 300
    fi
  done
}

main
