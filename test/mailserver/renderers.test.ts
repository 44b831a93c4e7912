import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

import {
    containerSettings,
    dkimSigningConf,
    dovecotCf,
    dovecotQuotasCf,
    mailPorts,
    mailserverEnvironment,
    postfixMainCf,
    postfixMasterCf,
    postfixVirtualCf,
} from "../../components/mailserver";
import { exampleConfig, exampleValue, repoRoot } from "../support/stack";

interface DmsVariable {
    name: string;
    allowed: string | string[];
}
const reference = JSON.parse(readFileSync(join(repoRoot, "config", "dms-env.json"), "utf8")) as {
    variables: DmsVariable[];
};
const known = new Map(reference.variables.map((v) => [v.name, v.allowed]));

describe("mail container environment", () => {
    const config = exampleConfig();
    const host = config.hosts[0]!;
    const env = mailserverEnvironment(host, config);

    it("uses only real DMS variables, each with an allowed value", () => {
        for (const [name, value] of Object.entries(env)) {
            expect(known.has(name), `${name} is not a DMS variable`).toBe(true);
            const allowed = known.get(name);
            if (Array.isArray(allowed)) expect(allowed, `${name}=${value}`).toContain(value);
        }
    });

    it("sets the guide's protections", () => {
        expect(env).toMatchObject({
            TLS_LEVEL: "modern",
            SSL_TYPE: "letsencrypt",
            PERMIT_DOCKER: "none",
            SPOOF_PROTECTION: "1",
            ENABLE_RSPAMD: "1",
            ENABLE_CLAMAV: "1",
            RSPAMD_GREYLISTING: "1",
            ENABLE_FAIL2BAN: "0",
            POSTFIX_MESSAGE_SIZE_LIMIT: "52428800",
            POSTFIX_MAILBOX_SIZE_LIMIT: "1073741824",
            ENABLE_QUOTAS: "1",
            POSTFIX_REJECT_UNKNOWN_CLIENT_HOSTNAME: "1",
        });
    });

    it("switches off what Rspamd already does, so nothing runs twice", () => {
        for (const legacy of [
            "ENABLE_OPENDKIM",
            "ENABLE_OPENDMARC",
            "ENABLE_POLICYD_SPF",
            "ENABLE_AMAVIS",
            "ENABLE_SPAMASSASSIN",
            "ENABLE_POSTGREY",
        ]) {
            expect(env[legacy], legacy).toBe("0");
        }
    });

    it("listens on IPv6 when the host has an address, unless config turns it off", () => {
        expect(host.ipv6).toBe("2001:db8::10");
        expect(env.POSTFIX_INET_PROTOCOLS).toBe("all");
        expect(env.DOVECOT_INET_PROTOCOLS).toBe("all");
        const v4Only = exampleConfig({ mail: { ipv6: false } });
        const v4Env = mailserverEnvironment(v4Only.hosts[0]!, v4Only);
        expect([v4Env.POSTFIX_INET_PROTOCOLS, v4Env.DOVECOT_INET_PROTOCOLS]).toEqual([
            "ipv4",
            "ipv4",
        ]);
        expect(containerSettings(v4Only.hosts[0]!, v4Only).ports.map((p) => p.ip)).toEqual(
            ["0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0"],
        );
        const noV6Host = exampleConfig({
            hosts: [{ ...exampleValue<Record<string, unknown>[]>("hosts")[0], ipv6: undefined }],
        });
        const noV6Env = mailserverEnvironment(noV6Host.hosts[0]!, noV6Host);
        expect(noV6Env.POSTFIX_INET_PROTOCOLS).toBe("ipv4");
    });

    it("publishes the mail ports and nothing else", () => {
        const settings = containerSettings(host, config);
        expect(settings.name).toBe("mailserver");
        // Each port on IPv4 and, since the example host has IPv6, on `::` as well.
        expect(settings.ports.map((p) => `${p.ip} ${p.external}:${p.internal}`)).toEqual(
            mailPorts.flatMap((port) => [`0.0.0.0 ${port}:${port}`, `:: ${port}:${port}`]),
        );
        expect([...mailPorts]).toEqual([25, 465, 587, 993]);
        expect(settings.volumes).toContainEqual({
            hostPath: "/opt/mailfort/letsencrypt",
            containerPath: "/etc/letsencrypt",
            readOnly: true,
        });
        expect(settings.volumes).toContainEqual({
            hostPath: "/var/log/mailserver",
            containerPath: "/var/log/mail",
        });
    });
});

describe("DMS override files", () => {
    const config = exampleConfig();
    const main = postfixMainCf(config.hosts[0]!, config);

    it("never redefines the restriction list DMS fills itself", () => {
        expect(main).not.toMatch(/^smtpd_recipient_restrictions\s*=/m);
        expect(main).not.toMatch(/^smtpd_relay_restrictions\s*=/m);
    });

    it("rejects invalid and non-FQDN HELO names and sets anvil limits from config", () => {
        expect(main).toMatch(/^smtpd_helo_required = yes$/m);
        expect(main).toMatch(/reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname$/m);
        expect(main).toMatch(/^smtpd_client_connection_rate_limit = 60$/m);
        const tighter = exampleConfig({ mail: { clientLimits: { authAttemptsPerMinute: 3 } } });
        expect(postfixMainCf(tighter.hosts[0]!, tighter)).toMatch(
            /^smtpd_client_auth_rate_limit = 3$/m,
        );
    });

    it("turns a backup MX into a relay to the primary, and leaves the primary alone", () => {
        const hosts = exampleValue<Record<string, unknown>[]>("hosts");
        const twoHosts = exampleConfig({
            hosts: [
                hosts[0],
                { ...hosts[0], hostname: "mx2.example.com", ipv4: "203.0.113.20", ipv6: undefined },
            ],
        });
        expect(postfixMainCf(twoHosts.hosts[0]!, twoHosts)).not.toMatch(/virtual_transport/);
        expect(postfixMainCf(twoHosts.hosts[1]!, twoHosts)).toMatch(
            /^virtual_transport = smtp:\[mail\.example\.com\]:25$/m,
        );
    });

    it("requires TLS for submission and IMAP", () => {
        expect(postfixMasterCf()).toMatch(/^submission\/inet\/smtpd_tls_security_level=encrypt$/m);
        expect(dovecotCf()).toMatch(/^ssl = required$/m);
        expect(dovecotCf()).toMatch(/^disable_plaintext_auth = yes$/m);
    });

    it("renders aliases and per-account quotas in DMS's file formats", () => {
        expect(postfixVirtualCf(config)).toContain("postmaster@example.com admin@example.com\n");
        expect(dovecotQuotasCf(config)).toBe("alerts@example.com:512M\nreports@example.com:2G\n");
    });

    it("signs every domain with its own key at the path DMS's Rspamd reads", () => {
        expect(dkimSigningConf(config)).toContain(
            'path = "/tmp/docker-mailserver/rspamd/dkim/rsa-2048-mail-example.com.private.txt";',
        );
        expect(dkimSigningConf(config)).toMatch(/^check_pubkey = true;$/m);
    });
});
