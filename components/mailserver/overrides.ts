/**
 * The DMS override files for what has no environment variable. Postfix settings are appended to
 * DMS's own main.cf, so nothing here may redefine `smtpd_recipient_restrictions`: that would
 * silently drop what DMS adds to it (policyd-spf, postgrey, quota checks).
 */
import type { HostConfig, StackConfig } from "../../config";

/** The DMS config folder as the container mounts it; Postfix reads the maps from there. */
export const dmsConfigInContainer = "/tmp/docker-mailserver";
/** HELO names and address literals of our own hosts, refused from anyone else. */
export const heloAccessFile = "mailfort-helo-access.cf";
/** The addresses of the stack's hosts, which may announce their own names (backup MX). */
export const stackClientsFile = "mailfort-stack-clients.cidr";

export function postfixMainCf(host: HostConfig, config: StackConfig): string {
    const limits = config.mail.clientLimits;
    const lines = [
        "# Rendered by mailfort. DMS appends these settings to its own main.cf at container start.",
        "",
        "# HELO/EHLO: require one; refuse our own names and addresses from anyone but our users",
        "# and our hosts, and syntactically invalid or non-FQDN names. Unknown (no DNS) HELO names",
        "# are scored by Rspamd's hfilter instead: too many corporate servers would bounce.",
        "smtpd_helo_required = yes",
        "smtpd_helo_restrictions = permit_mynetworks, permit_sasl_authenticated, " +
            `check_client_access cidr:${dmsConfigInContainer}/${stackClientsFile}, ` +
            `check_helo_access texthash:${dmsConfigInContainer}/${heloAccessFile}, ` +
            "reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname",
        "",
        "# Per-client limits enforced by anvil, counted over one minute.",
        "anvil_rate_time_unit = 60s",
        `smtpd_client_connection_rate_limit = ${limits.connectionsPerMinute}`,
        `smtpd_client_connection_count_limit = ${limits.concurrentConnections}`,
        `smtpd_client_message_rate_limit = ${limits.messagesPerMinute}`,
        `smtpd_client_recipient_rate_limit = ${limits.recipientsPerMinute}`,
        `smtpd_client_auth_rate_limit = ${limits.authAttemptsPerMinute}`,
        "",
        "# Address harvesting and pipelining abuse.",
        "disable_vrfy_command = yes",
        "smtpd_data_restrictions = reject_unauth_pipelining",
        "",
        "# Announce only what we are; log the TLS outcome for every session.",
        `smtp_helo_name = ${host.hostname}`,
        "smtpd_tls_loglevel = 1",
        "smtp_tls_loglevel = 1",
    ];
    return [...lines, ...backupRelay(host, config), ""].join("\n");
}

/**
 * The check_helo_access map: a client that announces one of the stack's host names, or one of
 * their addresses as an address literal (RFC 5321 4.1.3: `[203.0.113.10]`, `[IPv6:2001:db8::10]`),
 * is forging; honest MTAs announce their own name. Postfix logs the refusal as
 * `554 5.7.1 <name>: Helo command rejected: <text>`, which the postfix-helo jail bans.
 * texthash needs no postmap; Postfix lower-cases keys and lookups, and a name also matches its
 * subdomains (parent_domain_matches_subdomains).
 *
 * Limitation: an IPv6 literal matches only in the compressed form written here; the same address
 * spelt otherwise (leading zeros, no `::`) is not refused by this map.
 */
export function heloAccessMap(config: StackConfig): string {
    const entries = config.hosts.flatMap((h) => [
        h.hostname.toLowerCase(),
        `[${h.ipv4}]`,
        ...(h.ipv6 ? [`[ipv6:${compressedIpv6(h.ipv6)}]`] : []),
    ]);
    return [
        "# Rendered by mailfort: HELO names only our own hosts may use (check_helo_access).",
        ...[...new Set(entries)].map((key) => `${key} REJECT forged HELO: that is our own name`),
        "",
    ].join("\n");
}

/**
 * The check_client_access table before the HELO map: the stack's own hosts (a backup MX relays
 * to the primary as `smtp_helo_name` = its host name, without SASL). OK ends only the HELO
 * restrictions; relay and recipient checks still apply. A cidr table matches the address
 * itself, whatever its spelling.
 */
export function stackClientsCidr(config: StackConfig): string {
    const addresses = config.hosts.flatMap((h) => [h.ipv4, ...(h.ipv6 ? [h.ipv6] : [])]);
    return [
        "# Rendered by mailfort: the stack's hosts, allowed to announce their own names.",
        ...[...new Set(addresses)].map((address) => `${address} OK`),
        "",
    ].join("\n");
}

/** RFC 5952 form, as Postfix and most MTAs print an IPv6 address. */
function compressedIpv6(address: string): string {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

/**
 * A backup MX keeps accepting mail for our domains (recipients are still checked against the
 * same accounts) but hands it on to the primary instead of storing it.
 *
 * Limitation: the primary treats its backup MX as an ordinary sender; greylisting may delay mail
 * the backup relays until the backup retries.
 */
function backupRelay(host: HostConfig, config: StackConfig): string[] {
    const primary = config.hosts[0];
    if (!primary || primary.hostname === host.hostname) return [];
    return [
        "",
        "# Backup MX: queue and forward everything for our domains to the primary MX.",
        `virtual_transport = smtp:[${primary.hostname}]:25`,
        "maximal_queue_lifetime = 10d",
    ];
}

/**
 * postfix-master.cf: TLS mandatory on submission (587); 465 is implicit TLS already. Port 25 stays
 * opportunistic, as RFC 3207 requires for public MX hosts.
 */
export function postfixMasterCf(): string {
    return [
        "# Rendered by mailfort. Applied by DMS to master.cf at container start.",
        "submission/inet/smtpd_tls_security_level=encrypt",
        "submission/inet/smtpd_sasl_auth_enable=yes",
        "submissions/inet/smtpd_tls_wrappermode=yes",
        "submissions/inet/smtpd_sasl_auth_enable=yes",
        "",
    ].join("\n");
}

/** dovecot.cf: no authentication and no IMAP session without TLS. */
export function dovecotCf(): string {
    return [
        "# Rendered by mailfort. Included by DMS's Dovecot configuration.",
        "ssl = required",
        "# Dovecot 2.3 name (DMS 15 ships Dovecot 2.3).",
        "disable_plaintext_auth = yes",
        "",
    ].join("\n");
}
