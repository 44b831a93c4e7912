/**
 * Pure renderers for the host monitoring: the parameters file the scripts read, the cron entries,
 * the logrotate entry for the security log and the relay credentials. No Pulumi resources here.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";

import type { HostConfig, StackConfig } from "../../config";
import { durationSeconds } from "../../config/sections/primitives";
import type { MonitoringConfig } from "../../config/sections/monitoring";
import { backupStateDir } from "../backups/render";
import { jailsFor } from "../fail2ban/jails";
import type { HostFile } from "../host/files";
import { hostPaths, mailVolumes } from "../host/paths";

export const monitorScript = `${hostPaths.bin}/mailfort-monitor`;
export const statusScript = `${hostPaths.bin}/mailfort-status`;
export const monitoringConfPath = `${hostPaths.etc}/monitoring.conf`;
export const relayNetrcPath = `${hostPaths.etc}/monitoring-relay.netrc`;
export const webhookConfigPath = `${hostPaths.etc}/monitoring-webhook.curlrc`;
export const cronPath = "/etc/cron.d/mailfort-monitoring";
export const logrotatePath = "/etc/logrotate.d/mailfort-security";

/** Names the lead's stack wiring uses; the container names are set by the mailserver area. */
export const containers = { mail: "mailserver", certbot: "certbot-mailserver" } as const;

/** Host-side paths the checks read that are the system's, not mailfort's. */
const systemPaths = {
    authLog: "/var/log/auth.log",
    dockerVolumes: "/var/lib/docker/volumes",
    fail2banSocket: "/var/run/fail2ban/fail2ban.sock",
    /** Present when the baseline's unattended-upgrades is installed. */
    updatesProgram: "/usr/bin/unattended-upgrade",
    /** unattended-upgrades' own log (its `Unattended-Upgrade::LogDir` default). */
    updatesLog: "/var/log/unattended-upgrades/unattended-upgrades.log",
    /** Written by package postinst scripts; `<file>.pkgs` names the packages. */
    rebootRequired: "/var/run/reboot-required",
} as const;

const mailPorts = [25, 465, 587, 993];

/** Every file the monitoring puts on a host, except the fallback's credentials (see below). */
export function monitoringFiles(host: HostConfig, config: StackConfig): HostFile[] {
    return [
        { path: monitorScript, content: scriptText("mailfort-monitor"), mode: "0755" },
        { path: statusScript, content: scriptText("mailfort-status"), mode: "0755" },
        { path: monitoringConfPath, content: renderMonitoringConf(host, config), mode: "0640" },
        { path: cronPath, content: renderCron(config.monitoring), mode: "0644" },
        { path: logrotatePath, content: renderLogrotate(), mode: "0644" },
    ];
}

function scriptText(name: string): string {
    return fs.readFileSync(path.join(__dirname, name), "utf8");
}

/** Single-quotes a value for the shell file the scripts source. */
export function shellQuote(value: string | number): string {
    return `'${String(value).replace(/'/g, `'\\''`)}'`;
}

/** The one parameters file of the host scripts: `KEY='value'` lines, sourced by bash. */
export function renderMonitoringConf(host: HostConfig, config: StackConfig): string {
    const values = {
        ...identity(host, config),
        ...upkeep(config),
        ...checks(config),
        ...transport(config),
    };
    const lines = Object.entries(values).map(([key, value]) => `${key}=${shellQuote(value)}`);
    return "# mailfort monitoring parameters, rendered by Pulumi; local edits are overwritten.\n" +
        `${lines.join("\n")}\n`;
}

function identity(host: HostConfig, config: StackConfig): Record<string, string> {
    const monitoring = config.monitoring;
    const alertTo = config.contacts.alerts ?? config.contacts.admin;
    return {
        HOST_NAME: host.hostname,
        ALERT_TO: alertTo,
        REPORT_TO: config.contacts.reports ?? alertTo,
        ALERT_FROM: monitoring.fromAddress ?? `monitor@${host.hostname}`,
        STATE_DIR: `${hostPaths.state}/monitoring`,
        SECURITY_LOG: hostPaths.securityLog,
        MAIL_LOG: hostPaths.mailLog,
        AUTH_LOG: systemPaths.authLog,
        CERT_FILE: `${hostPaths.letsencrypt}/live/${host.hostname}/cert.pem`,
        DISK_PATHS: `root=/ ${mailVolumes.data}=${systemPaths.dockerVolumes}/${mailVolumes.data}`,
        MAIL_CONTAINER: containers.mail,
        CERTBOT_CONTAINER: containers.certbot,
        FAIL2BAN_SOCKET: systemPaths.fail2banSocket,
        FAIL2BAN_JAILS: config.services.fail2ban ? requiredJails(host, config).join(" ") : "",
        CHECK_UFW: config.services.firewall ? "yes" : "no",
        CHECK_NFTABLES: config.services.firewall ? "yes" : "no",
        NFT_TABLE: "inet mailfort",
        MAIL_PORTS: mailPorts.join(" "),
    };
}

/**
 * The jails the fail2ban check requires: `monitoring.jails` when set, else every jail the
 * Fail2Ban area renders enabled for this host, so a jail added there is watched without a
 * second list to keep in step.
 */
export function requiredJails(host: HostConfig, config: StackConfig): string[] {
    return config.monitoring.jails ??
        jailsFor(config, host.ssh.port).filter((jail) => jail.enabled).map((jail) => jail.name);
}

/** What the backup and security-update checks read: files other areas and apt write. */
function upkeep(config: StackConfig): Record<string, string> {
    const updates = config.baseline.updates;
    return {
        CHECK_BACKUP: config.services.backups ? "yes" : "no",
        BACKUP_STATE_DIR: backupStateDir,
        UPDATES_PROGRAM: systemPaths.updatesProgram,
        UPDATES_LOG: systemPaths.updatesLog,
        REBOOT_REQUIRED_FILE: systemPaths.rebootRequired,
        UPDATES_AUTO_REBOOT: updates.automaticReboot ? updates.rebootTime : "off",
    };
}

function checks(config: StackConfig): Record<string, string | number> {
    const m = config.monitoring;
    const t = m.thresholds;
    return {
        COMMAND_TIMEOUT: 20,
        REALERT_SECONDS: durationSeconds(m.realertAfter),
        TOP_SOURCES: m.topSources,
        FAILED_LOGINS_WARN: t.failedLogins.warn,
        FAILED_LOGINS_FAIL: t.failedLogins.fail,
        OUTBOUND_WARN: t.outboundMail.warn,
        OUTBOUND_FAIL: t.outboundMail.fail,
        QUEUE_WARN: t.queue.warn,
        QUEUE_FAIL: t.queue.fail,
        QUEUE_GROWTH_WARN: t.queueGrowth,
        NEW_BANS_WARN: t.newBans,
        SPAM_WARN: t.spam,
        VIRUS_WARN: t.virus,
        DISK_WARN: t.diskPercent.warn,
        DISK_FAIL: t.diskPercent.fail,
        CERT_WARN_DAYS: t.certificateDays.warn,
        CERT_FAIL_DAYS: t.certificateDays.fail,
        CONNECTIONS_WARN: t.connections.warn,
        CONNECTIONS_FAIL: t.connections.fail,
        BACKUP_WARN_SECONDS: durationSeconds(t.backupAge.warn),
        BACKUP_FAIL_SECONDS: durationSeconds(t.backupAge.fail),
        BACKUP_CHECK_WARN_SECONDS: durationSeconds(t.backupCheckAge.warn),
        BACKUP_CHECK_FAIL_SECONDS: durationSeconds(t.backupCheckAge.fail),
        UPDATES_WARN_SECONDS: durationSeconds(t.updatesAge),
    };
}

function transport(config: StackConfig): Record<string, string> {
    const m = config.monitoring;
    const fallback = m.fallback;
    return {
        PRIMARY_TRANSPORT: m.primaryTransport,
        PRIMARY_SMTP_URL: m.primarySmtpUrl,
        FALLBACK: fallback?.kind ?? "none",
        RELAY_URL: fallback?.kind === "relay" ? relayUrl(fallback) : "",
        RELAY_STARTTLS: fallback?.kind === "relay" && fallback.tls === "starttls" ? "yes" : "no",
        RELAY_NETRC: relayNetrcPath,
        WEBHOOK_CONFIG: webhookConfigPath,
    };
}

type Relay = Extract<NonNullable<MonitoringConfig["fallback"]>, { kind: "relay" }>;

function relayUrl(relay: Relay): string {
    const scheme = relay.tls === "smtps" ? "smtps" : "smtp";
    return `${scheme}://${relay.host}:${relay.port}`;
}

/**
 * The relay login as a netrc file (curl reads it with --netrc-file), so the password never sits
 * on a command line. Shipped as a secret, mode 0600.
 */
export function relayCredentialsFile(relay: Relay, password: pulumi.Output<string>): HostFile {
    return {
        path: relayNetrcPath,
        content: password.apply((secret) => renderNetrc(relay, secret)),
        mode: "0600",
        secret: true,
    };
}

export function renderNetrc(relay: Relay, password: string): string {
    if (/[\s"\\]/.test(password)) {
        throw new Error(
            "mailfort:alertRelayPassword must not contain spaces, quotes or backslashes (netrc)",
        );
    }
    return `machine ${relay.host} login ${relay.user ?? ""} password ${password}\n`;
}

/**
 * The webhook URL as a curl config file (read with --config), so a token in the URL never sits
 * on a command line or in the parameters file. Shipped as a secret, mode 0600.
 */
export function webhookCredentialsFile(url: pulumi.Output<string>): HostFile {
    return {
        path: webhookConfigPath,
        content: url.apply(renderWebhookConfig),
        mode: "0600",
        secret: true,
    };
}

export function renderWebhookConfig(url: string): string {
    // The config loader already refused quotes, backslashes and spaces in the URL.
    return `url = "${url}"\n`;
}

/**
 * cron, not systemd timers: one plain file that `cat /etc/cron.d/mailfort-monitoring` shows,
 * shipped like every other file with no daemon-reload or enable step, and cron picks up changes
 * by itself. Output goes to syslog with the tag mailfort-monitor instead of local root mail.
 */
export function renderCron(monitoring: MonitoringConfig): string {
    const every = monitoring.intervalMinutes;
    const minutes = every === 1 ? "*" : `*/${every}`;
    const toSyslog = "2>&1 | logger -t mailfort-monitor";
    return [
        "# mailfort monitoring, rendered by Pulumi; local edits are overwritten.",
        "SHELL=/bin/bash",
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        'MAILTO=""',
        `${minutes} * * * * root ${monitorScript} run ${toSyslog}`,
        `0 ${monitoring.reportHour} * * * root ${monitorScript} report ${toSyslog}`,
        "",
    ].join("\n");
}

/** The security log is shared with the firewall guard; one rotation entry covers both. */
export function renderLogrotate(): string {
    return [
        `${hostPaths.securityLog} {`,
        "    daily",
        "    rotate 90",
        "    compress",
        "    delaycompress",
        "    missingok",
        "    notifempty",
        "    create 0640 root adm",
        "    su root adm",
        "}",
        "",
    ].join("\n");
}
