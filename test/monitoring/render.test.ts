/**
 * The pure renderers and the Monitoring component: shellcheck on every script, the parameters
 * file as bash reads it, config validation messages, cron and logrotate entries (logrotate run
 * for real on a temp copy), and the files the component ships under Pulumi's mock runtime.
 */
import * as pulumi from "@pulumi/pulumi";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

import { ConfigError } from "../../config";
import {
    Monitoring,
    monitoringFiles,
    relayNetrcPath,
    renderCron,
    renderLogrotate,
    renderMonitoringConf,
    shellQuote,
    webhookConfigPath,
} from "../../components/monitoring";
import { jailsFor } from "../../components/fail2ban";
import { parseInstallCommand } from "../../components/host";
import { PreviewMocks } from "../../preview/mocks";
import { exampleConfig } from "../support/stack";
import { requireTools, run } from "../support/system";
import { scriptDir, standinDir } from "./harness";

const scratch = mkdtempSync(join(tmpdir(), "mfmon-render-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function shellScripts(dir: string): string[] {
    return readdirSync(dir)
        .map((name) => join(dir, name))
        .filter((file) => statSync(file).isFile())
        .filter((file) => /^#!.*\bbash\b/.test(readFileSync(file, "utf8")));
}

describe("host scripts", () => {
    const scripts = [...shellScripts(scriptDir), ...shellScripts(standinDir)];

    it("are all found", () => {
        expect(scripts.map((f) => f.split("/").pop())).toEqual(
            expect.arrayContaining(["mailfort-monitor", "mailfort-status", "docker"]),
        );
    });

    it.each(scripts)("%s is shellcheck clean", (script) => {
        requireTools({ shellcheck: "shellcheck" });
        run("shellcheck", ["--severity=style", "--external-sources", script]);
    });
});

const relayFallback = { kind: "relay", host: "smtp.relay.example.net", user: "mx1" };

describe("monitoring.conf", () => {
    // The example stack sets a fallback relay; these are the defaults without one.
    const config = exampleConfig({ monitoring: {}, alertRelayPassword: undefined });
    const host = config.hosts[0]!;

    /** Every variable as bash sees it after sourcing the rendered file. */
    function sourced(text: string): Record<string, string> {
        const file = join(scratch, "monitoring.conf");
        writeFileSync(file, text);
        const keys = [...text.matchAll(/^([A-Z_0-9]+)=/gm)].map((m) => m[1]!);
        const script = `set -eu; . "$1"; for k in ${keys.join(" ")}; do ` +
            `printf '%s=%s\\n' "$k" "\${!k}"; done`;
        const out = run("bash", ["-c", script, "bash", file]);
        const split = (l: string) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)];
        const pairs = out.trim().split("\n").map(split);
        return Object.fromEntries(pairs);
    }

    it("holds the hardened defaults and the host's paths", () => {
        expect(sourced(renderMonitoringConf(host, config))).toMatchObject({
            HOST_NAME: "mail.example.com",
            ALERT_TO: "alerts@example.com",
            REPORT_TO: "reports@example.com",
            SECURITY_LOG: "/var/log/mailserver-security.log",
            MAIL_LOG: "/var/log/mailserver/mail.log",
            CERT_FILE: "/opt/mailfort/letsencrypt/live/mail.example.com/cert.pem",
            DISK_PATHS: "root=/ mailserver-data=/var/lib/docker/volumes/mailserver-data",
            REALERT_SECONDS: "21600",
            DISK_WARN: "80",
            DISK_FAIL: "90",
            CERT_WARN_DAYS: "21",
            CERT_FAIL_DAYS: "7",
            PRIMARY_TRANSPORT: "container",
            FALLBACK: "none",
            CHECK_BACKUP: "yes",
            BACKUP_STATE_DIR: "/var/lib/mailfort/backup",
            BACKUP_WARN_SECONDS: String(26 * 3600),
            BACKUP_FAIL_SECONDS: String(50 * 3600),
            BACKUP_CHECK_WARN_SECONDS: String(8 * 86400),
            BACKUP_CHECK_FAIL_SECONDS: String(15 * 86400),
            UPDATES_PROGRAM: "/usr/bin/unattended-upgrade",
            UPDATES_LOG: "/var/log/unattended-upgrades/unattended-upgrades.log",
            REBOOT_REQUIRED_FILE: "/var/run/reboot-required",
            UPDATES_WARN_SECONDS: String(2 * 86400),
            UPDATES_AUTO_REBOOT: "04:00",
        });
    });

    const jailsOf = (changes: Record<string, unknown>) => {
        const changed = exampleConfig({ alertRelayPassword: undefined, ...changes });
        return sourced(renderMonitoringConf(changed.hosts[0]!, changed)).FAIL2BAN_JAILS ?? "";
    };

    it("requires every jail the Fail2Ban area enables on the host by default", () => {
        const enabled = jailsFor(config, host.ssh.port).filter((j) => j.enabled).map((j) => j.name);
        expect(enabled).toEqual(expect.arrayContaining(
            ["sshd", "postfix", "dovecot", "postfix-helo", "nginx-botsearch", "recidive"],
        ));
        expect(jailsOf({ monitoring: {} })).toBe(enabled.join(" "));
        const quieter = jailsOf({
            monitoring: {},
            services: { mtaSts: false },
            fail2ban: { jails: { "postfix-helo": { enabled: false } } },
        });
        expect(quieter.split(" ")).not.toContain("postfix-helo");
        expect(quieter).not.toMatch(/nginx/);
        expect(quieter.split(" ")).toEqual(expect.arrayContaining(["sshd", "recidive"]));
    });

    it("requires exactly monitoring.jails when set, and no jail without Fail2Ban", () => {
        expect(jailsOf({ monitoring: { jails: ["sshd", "dovecot"] } })).toBe("sshd dovecot");
        expect(jailsOf({ monitoring: {}, services: { fail2ban: false } })).toBe("");
    });

    it("checks backups only with services.backups, and names the reboot window", () => {
        const off = exampleConfig({
            monitoring: {},
            alertRelayPassword: undefined,
            services: { backups: false },
            resticPassword: undefined,
            baseline: { updates: { automaticReboot: false } },
        });
        expect(sourced(renderMonitoringConf(off.hosts[0]!, off)))
            .toMatchObject({ CHECK_BACKUP: "no", UPDATES_AUTO_REBOOT: "off" });
    });

    it("falls back to the admin contact and renders a relay", () => {
        const relay = exampleConfig({
            contacts: { admin: "admin@example.com" },
            monitoring: { fallback: relayFallback },
        });
        expect(sourced(renderMonitoringConf(relay.hosts[0]!, relay))).toMatchObject({
            ALERT_TO: "admin@example.com",
            REPORT_TO: "admin@example.com",
            FALLBACK: "relay",
            RELAY_URL: "smtps://smtp.relay.example.net:465",
            RELAY_STARTTLS: "no",
            RELAY_NETRC: relayNetrcPath,
        });
    });

    it("quotes values so bash reads them back unchanged", () => {
        const value = `it's $(touch ${scratch}/owned) \`x\` "q"`;
        expect(sourced(`V=${shellQuote(value)}\n`)).toEqual({ V: value });
        expect(existsSync(join(scratch, "owned"))).toBe(false);
    });

    it.each([
        [{ intervalMinutes: 7 }, "mailfort:monitoring.intervalMinutes", "must divide 60"],
        [{ thresholds: { diskPercent: { warn: 95, fail: 90 } } },
            "mailfort:monitoring.thresholds.diskPercent", "fail must be at least warn"],
        [{ thresholds: { certificateDays: { warn: 5, fail: 10 } } },
            "mailfort:monitoring.thresholds.certificateDays", "fail must be at most warn"],
        [{ fallback: { kind: "webhook", url: "https://hooks.example.net/x" } },
            "mailfort:monitoring.fallback", "has unknown key(s) url"],
        [{ thresholds: { backupAge: { warn: "50h", fail: "26h" } } },
            "mailfort:monitoring.thresholds.backupAge", "fail must be at least warn"],
        [{ thresholds: { backupCheckAge: { warn: "8 days" } } },
            "mailfort:monitoring.thresholds.backupCheckAge.warn", "must be a duration such as"],
        [{ thresholds: { updatesAge: "0h" } },
            "mailfort:monitoring.thresholds.updatesAge", "must be a duration above zero"],
    ])("refuses %j naming the key", (monitoring, key, message) => {
        let error: unknown;
        try {
            exampleConfig({ monitoring });
        } catch (caught) {
            error = caught;
        }
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).problems).toContainEqual(expect.objectContaining({
            key, message: expect.stringContaining(message),
        }));
    });
});

describe("cron and logrotate entries", () => {
    it("runs the checks every interval and the report daily, as root, to syslog", () => {
        const config = exampleConfig({ monitoring: { intervalMinutes: 10, reportHour: 7 } });
        const lines = renderCron(config.monitoring)
            .split("\n")
            .filter((l) => /^[*0-9]/.test(l));
        expect(lines).toEqual([
            "*/10 * * * * root /usr/local/sbin/mailfort-monitor run " +
                "2>&1 | logger -t mailfort-monitor",
            "0 7 * * * root /usr/local/sbin/mailfort-monitor report " +
                "2>&1 | logger -t mailfort-monitor",
        ]);
    });

    it("rotates the security log when logrotate really runs it", () => {
        requireTools({ logrotate: "logrotate" });
        const log = join(scratch, "security.log");
        writeFileSync(log, "2026-12-03T18:00:00Z INFO failed-logins total=0\n");
        const conf = join(scratch, "logrotate.conf");
        writeFileSync(conf, renderLogrotate().replace("/var/log/mailserver-security.log", log));
        run("logrotate", ["--force", "--state", join(scratch, "logrotate.state"), conf]);
        expect(readFileSync(`${log}.1`, "utf8")).toContain("failed-logins");
        expect(statSync(log).size).toBe(0);
        expect((statSync(log).mode & 0o777).toString(8)).toBe("640");
    });
});

describe("the Monitoring component", () => {
    async function shipped(
        changes: Record<string, unknown>,
        relayPassword?: string,
        webhookUrl?: string,
    ) {
        const mocks = new PreviewMocks();
        await pulumi.runtime.setMocks(mocks, "mailfort", "test", true);
        const config = exampleConfig(changes);
        const host = config.hosts[0]!;
        new Monitoring("mx1-monitoring", {
            connection: { host: host.ipv4, user: "deploy" }, host, config, relayPassword,
            webhookUrl,
        });
        for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
        return mocks.recorded.filter((r) => r.type === "command:remote:Command").map((r) => ({
            ...parseInstallCommand(String(r.inputs.create)),
            stdin: r.inputs.stdin,
            logging: r.inputs.logging,
        }));
    }

    it("ships the scripts, the parameters, cron and logrotate entries", async () => {
        const files = await shipped({ monitoring: {}, alertRelayPassword: undefined });
        expect(files.map((f) => `${f.path} ${f.mode}`)).toEqual([
            "/usr/local/sbin/mailfort-monitor 0755",
            "/usr/local/sbin/mailfort-status 0755",
            "/etc/mailfort/monitoring.conf 0640",
            "/etc/cron.d/mailfort-monitoring 0644",
            "/etc/logrotate.d/mailfort-security 0644",
        ]);
        expect(files[0]!.stdin).toBe(readFileSync(join(scriptDir, "mailfort-monitor"), "utf8"));
    });

    it("ships the relay password only in a 0600 netrc file with logging off", async () => {
        const secret = "Relay-Secret-91b2";
        const files = await shipped({
            monitoring: { fallback: relayFallback },
        }, secret);
        const netrc = files.find((f) => f.path === relayNetrcPath);
        expect(netrc).toMatchObject({ mode: "0600", logging: "none" });
        // Under the mock runtime a secret input arrives wrapped in Pulumi's secret signature.
        expect(netrc!.stdin).toEqual({
            "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
            value: `machine smtp.relay.example.net login mx1 password ${secret}\n`,
        });
        for (const other of files.filter((f) => f.path !== relayNetrcPath)) {
            expect(JSON.stringify(other)).not.toContain(secret);
        }
    });

    it("ships the webhook URL only in a 0600 curl config file with logging off", async () => {
        const url = "https://hooks.example.net/services/T0KEN-3c9e";
        const files = await shipped(
            { monitoring: { fallback: { kind: "webhook" } }, alertWebhookUrl: url },
            undefined,
            url,
        );
        const curlrc = files.find((f) => f.path === webhookConfigPath);
        expect(curlrc).toMatchObject({ mode: "0600", logging: "none" });
        expect(JSON.stringify(curlrc!.stdin)).toContain(`url = \\"${url}\\"`);
        for (const other of files.filter((f) => f.path !== webhookConfigPath)) {
            expect(JSON.stringify(other)).not.toContain("T0KEN-3c9e");
        }
    });

    it("refuses a relay user without a password", async () => {
        const config = exampleConfig({
            monitoring: { fallback: relayFallback },
        });
        await pulumi.runtime.setMocks(new PreviewMocks(), "mailfort", "test", true);
        expect(() => new Monitoring("mx1-monitoring", {
            connection: { host: "203.0.113.10", user: "deploy" }, host: config.hosts[0]!, config,
        })).toThrow(/alertRelayPassword/);
    });

    it("renders one file set per host from the pure function", () => {
        const config = exampleConfig();
        const files = monitoringFiles(config.hosts[0]!, config);
        expect(files.filter((f) => f.secret === true)).toEqual([]);
    });
});
