/**
 * The mail container's environment: the original guide's protections expressed with variables
 * docker-mailserver really has (config/dms-env.json lists them all).
 *
 * Rspamd does spam scoring, DKIM signing, DMARC and SPF checks and greylisting in one daemon, so
 * the legacy services that overlap it (OpenDKIM, OpenDMARC, policyd-spf, Amavis/SpamAssassin,
 * Postgrey) are switched off; DMS warns when both run, and two DKIM signers would double-sign.
 */
import type { HostConfig, StackConfig } from "../../config";

export type DmsEnvironment = Readonly<Record<string, string>>;

const flag = (on: boolean) => (on ? "1" : "0");

export function mailserverEnvironment(host: HostConfig, config: StackConfig): DmsEnvironment {
    const { mail, contacts } = config;
    const protocols = mail.ipv6 && host.ipv6 ? "all" : "ipv4";
    return {
        OVERRIDE_HOSTNAME: host.hostname,
        TZ: mail.timezone,
        LOG_LEVEL: "info",
        POSTMASTER_ADDRESS: contacts.admin,
        REPORT_RECIPIENT: contacts.reports ?? contacts.admin,
        ACCOUNT_PROVISIONER: "FILE",
        // Anything but none adds Docker networks to mynetworks, which may relay without auth.
        PERMIT_DOCKER: "none",
        SSL_TYPE: "letsencrypt",
        TLS_LEVEL: mail.tlsLevel,
        SPOOF_PROTECTION: "1",
        POSTFIX_INET_PROTOCOLS: protocols,
        DOVECOT_INET_PROTOCOLS: protocols,
        POSTFIX_MESSAGE_SIZE_LIMIT: String(mail.messageSizeLimit),
        POSTFIX_MAILBOX_SIZE_LIMIT: String(mail.mailboxSizeLimit),
        ENABLE_QUOTAS: "1",
        POSTFIX_REJECT_UNKNOWN_CLIENT_HOSTNAME: flag(mail.rejectUnknownClientHostname),
        POSTSCREEN_ACTION: "enforce",
        ENABLE_RSPAMD: "1",
        ENABLE_RSPAMD_REDIS: "1",
        RSPAMD_GREYLISTING: flag(mail.greylisting),
        RSPAMD_HFILTER: "1",
        RSPAMD_CHECK_AUTHENTICATED: "0",
        ENABLE_OPENDKIM: "0",
        ENABLE_OPENDMARC: "0",
        ENABLE_POLICYD_SPF: "0",
        ENABLE_AMAVIS: "0",
        ENABLE_SPAMASSASSIN: "0",
        ENABLE_POSTGREY: "0",
        ENABLE_CLAMAV: flag(mail.clamav),
        // ClamAV skips what is larger than its limit; match the largest message Postfix accepts.
        CLAMAV_MESSAGE_SIZE_LIMIT: `${Math.ceil(mail.messageSizeLimit / 1_000_000)}M`,
        MOVE_SPAM_TO_JUNK: "1",
        // Outbound MTA-STS: refuse cleartext delivery to domains that publish an enforce policy.
        ENABLE_MTA_STS: "1",
        ENABLE_IMAP: "1",
        ENABLE_POP3: "0",
        ENABLE_MANAGESIEVE: "0",
        // Fail2Ban runs on the host, where its bans can act before Docker's NAT.
        ENABLE_FAIL2BAN: "0",
        ENABLE_UPDATE_CHECK: "1",
        LOGROTATE_INTERVAL: "daily",
        LOGROTATE_COUNT: "14",
    };
}

/** Docker's `envs` form, sorted so the container's inputs do not change with key order. */
export function environmentList(env: DmsEnvironment): string[] {
    return Object.keys(env)
        .sort()
        .map((key) => `${key}=${env[key]}`);
}
