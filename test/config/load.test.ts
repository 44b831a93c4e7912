import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";

import { ConfigError } from "../../config";
import { exampleConfig, exampleRaw, exampleValue } from "../support/stack";

function problemsOf(changes: Record<string, unknown>) {
    try {
        exampleConfig(changes);
    } catch (error) {
        if (error instanceof ConfigError) return error.problems;
        throw error;
    }
    throw new Error("expected a ConfigError");
}

describe("stack config", () => {
    it("parses the example stack into a frozen config with hardened defaults", () => {
        const config = exampleConfig();
        expect(config.hosts[0]?.hostname).toBe("mail.example.com");
        expect(config.mail.tlsLevel).toBe("modern");
        expect(config.mail.dmsVersion).toMatch(/^\d+\.\d+\.\d+$/);
        expect(config.dmarc.policy).toBe("quarantine");
        expect(config.spf.all).toBe("-all");
        expect(config.dkim.keyBits).toBe(2048);
        expect(Object.isFrozen(config)).toBe(true);
        expect(Object.isFrozen(config.hosts[0])).toBe(true);
        expect(() => ((config.mail as { tlsLevel: string }).tlsLevel = "intermediate")).toThrow();
    });

    it("reports every problem at once, each with key, value and what is valid", () => {
        const hosts = exampleValue<Record<string, unknown>[]>("hosts");
        const problems = problemsOf({
            hosts: [{ ...hosts[0], ipv4: "203.0.113.999" }],
            mail: { dmsVersion: "latest" },
            dmarc: { policy: "maybe" },
        });
        expect(problems.map((p) => p.key)).toEqual(
            expect.arrayContaining([
                "mailfort:hosts[0].ipv4",
                "mailfort:mail.dmsVersion",
                "mailfort:dmarc.policy",
            ]),
        );
        const byKey = Object.fromEntries(problems.map((p) => [p.key, p]));
        expect(byKey["mailfort:hosts[0].ipv4"]?.value).toBe('"203.0.113.999"');
        expect(byKey["mailfort:hosts[0].ipv4"]?.message).toMatch(/IPv4 address such as/);
        expect(byKey["mailfort:mail.dmsVersion"]?.message).toMatch(/never latest/);
        expect(byKey["mailfort:dmarc.policy"]?.message).toMatch(/"none", "quarantine", "reject"/);
    });

    it("refuses a host without a pinned SSH host key", () => {
        const hosts = exampleValue<{ ssh: Record<string, unknown> }[]>("hosts");
        const { hostKey: _dropped, ...ssh } = hosts[0]!.ssh;
        const problems = problemsOf({ hosts: [{ ...hosts[0], ssh }] });
        expect(problems[0]?.key).toBe("mailfort:hosts[0].ssh.hostKey");
        expect(problems[0]?.message).toMatch(/required/);
    });

    it("refuses unknown keys instead of ignoring a misspelling", () => {
        const problems = problemsOf({ mail: { tlsLvel: "modern" } });
        expect(problems[0]?.message).toMatch(/unknown key\(s\) tlsLvel/);
    });

    it("refuses names outside the configured zones", () => {
        const hosts = exampleValue<Record<string, unknown>[]>("hosts");
        const problems = problemsOf({
            hosts: [{ ...hosts[0], hostname: "mail.example.net" }],
            accounts: [{ address: "someone@example.org" }],
        });
        expect(problems.map((p) => p.key)).toEqual([
            "mailfort:hosts[0].hostname",
            "mailfort:accounts[0].address",
        ]);
    });

    it("refuses a weak account password without printing it", () => {
        const problems = problemsOf({ accountPasswords: { "admin@example.com": "admin1234" } });
        expect(problems[0]?.key).toBe("mailfort:accountPasswords.admin@example.com");
        expect(problems[0]?.value).toBe("(value hidden)");
        expect(JSON.stringify(problems)).not.toContain("admin1234");
    });

    it("accepts a strong password and keeps it a secret output", async () => {
        const config = exampleConfig({
            accountPasswords: { "admin@example.com": "Tr0ub4dor&3-horse-staple" },
        });
        const password = config.secrets.accountPasswords["admin@example.com"];
        expect(password).toBeDefined();
        expect(await (password as unknown as { isSecret: Promise<boolean> }).isSecret).toBe(true);
    });

    it("requires the SSH private key as a secret config value, naming how to set it", () => {
        const problems = problemsOf({ sshPrivateKey: undefined });
        expect(problems[0]?.key).toBe("mailfort:sshPrivateKey");
        expect(problems[0]?.message).toMatch(/pulumi config set --secret sshPrivateKey/);
    });

    it("requires the relay password when the monitoring fallback relay logs in", () => {
        const problems = problemsOf({ alertRelayPassword: undefined });
        expect(problems).toEqual([
            {
                key: "mailfort:alertRelayPassword",
                value: "(unset)",
                message:
                    "is required because mailfort:monitoring.fallback.user is set: " +
                    "pulumi config set --secret alertRelayPassword <value>",
            },
        ]);
        expect(() =>
            exampleConfig({ alertRelayPassword: undefined, monitoring: {} }),
        ).not.toThrow();
    });

    it("refuses a misspelt key instead of using the default in silence", () => {
        const problems = problemsOf({ dmarcc: { policy: "none" } });
        expect(problems).toHaveLength(1);
        expect(problems[0]).toMatchObject({ key: "mailfort:dmarcc", value: "(set)" });
        expect(problems[0]?.message).toMatch(/^is not a mailfort config key; .*\bdmarc\b/);
        // Reported with schema errors too, so one preview lists everything.
        const both = problemsOf({ dmarcc: {}, dkim: { keyBits: 1024 } });
        expect(both.map((p) => p.key).sort()).toEqual(["mailfort:dkim.keyBits", "mailfort:dmarcc"]);
    });

    it("knows the secret keys that hosts[].ssh.privateKeyConfigKey names", () => {
        const hosts = exampleValue<Record<string, Record<string, unknown>>[]>("hosts");
        const renamed = [{ ...hosts[0], ssh: { ...hosts[0]!.ssh, privateKeyConfigKey: "mx1Key" } }];
        const key = exampleRaw().sshPrivateKey;
        expect(() => exampleConfig({ hosts: renamed, mx1Key: key })).not.toThrow();
    });

    it("checks trusted networks and firewall exceptions before any resource", () => {
        const problems = problemsOf({
            trustedNetworks: ["198.51.100.0/24", "office"],
            firewall: { exceptions: [{ port: 22, protocol: "tcp", name: "ssh-again" }] },
        });
        expect(problems).toEqual([
            {
                key: "mailfort:trustedNetworks[1]",
                value: '"office"',
                message: "must be an address or CIDR such as 198.51.100.0/24",
            },
        ]);
        const clash = problemsOf({
            firewall: { exceptions: [{ port: 22, protocol: "tcp", name: "ssh-again" }] },
        });
        expect(clash).toEqual([
            {
                key: "mailfort:firewall.exceptions[0].port",
                value: "22",
                message: "is an SSH port, always open; remove the exception",
            },
        ]);
        const https = problemsOf({
            firewall: { exceptions: [{ port: 443, protocol: "tcp", name: "web" }] },
        });
        expect(https[0]?.message).toMatch(/MTA-STS endpoint while mailfort:services.mtaSts/);
    });

    it("refuses a time zone that is not in the IANA database", () => {
        expect(problemsOf({ mail: { timezone: "Asia/Atlantis" } })).toEqual([
            {
                key: "mailfort:mail.timezone",
                value: '"Asia/Atlantis"',
                message: "must be a time zone of the IANA database, such as Asia/Tokyo",
            },
        ]);
        expect(exampleConfig({ mail: { timezone: "Asia/Tokyo" } }).mail.timezone).toBe("Asia/Tokyo");
    });

    it("refuses two hosts whose resources would share a name", () => {
        const hosts = exampleValue<Record<string, unknown>[]>("hosts");
        const twin = { ...hosts[0], hostname: "mail.example.org", ipv4: "203.0.113.11" };
        const domains = [
            ...exampleValue<unknown[]>("domains"),
            { name: "example.org", cloudflareZoneId: "fedcba9876543210fedcba9876543210" },
        ];
        const problems = problemsOf({ domains, hosts: [hosts[0], twin] });
        expect(problems).toEqual([
            {
                key: "mailfort:hosts[1].hostname",
                value: '"mail.example.org"',
                message:
                    "must not start with the same label as hosts[0] (mail.example.com): " +
                    "each host's resources are named after it",
            },
        ]);
    });

    it("requires the webhook URL as a secret and checks it without repeating it", () => {
        const webhook = { monitoring: { fallback: { kind: "webhook" } } };
        expect(problemsOf(webhook)).toEqual([
            {
                key: "mailfort:alertWebhookUrl",
                value: "(unset)",
                message:
                    "is required because mailfort:monitoring.fallback.kind is webhook: " +
                    "pulumi config set --secret alertWebhookUrl <value>",
            },
        ]);
        const plain = problemsOf({ ...webhook, alertWebhookUrl: "http://hooks.example.net/T0K" });
        expect(plain).toEqual([
            {
                key: "mailfort:alertWebhookUrl",
                value: "(value hidden)",
                message: "must be an https:// URL without spaces, quotes or backslashes",
            },
        ]);
        const config = exampleConfig({
            ...webhook,
            alertWebhookUrl: "https://hooks.example.net/T",
        });
        expect(pulumi.Output.isInstance(config.secrets.alertWebhookUrl)).toBe(true);
    });

    it("requires a repository and its secrets once backups are switched on", () => {
        const unset = { backups: undefined, resticPassword: undefined };
        const problems = problemsOf({ ...unset, services: { backups: true } });
        expect(problems.map((p) => p.key)).toEqual([
            "mailfort:backups.repository",
            "mailfort:resticPassword",
        ]);
        const s3 = problemsOf({
            ...unset,
            services: { backups: true },
            backups: { repository: "s3:s3.example.net/mail/mx1" },
        });
        expect(s3.map((p) => p.key)).toEqual([
            "mailfort:resticPassword",
            "mailfort:resticS3AccessKeyId",
            "mailfort:resticS3SecretAccessKey",
        ]);
        expect(s3[0]?.message).toMatch(/pulumi config set --secret resticPassword/);
    });
});
