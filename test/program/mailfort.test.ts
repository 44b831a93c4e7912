/**
 * The real program under Pulumi's mock runtime (mocks stand in for Docker, the VPS and
 * Cloudflare): which resources it declares, how they hang together, and that secrets stay secret.
 */
import { beforeAll, describe, expect, it } from "vitest";

import { parseInstallCommand } from "../../components/host";
import type { PlannedResource } from "../../preview/run";
import { isSecretValue } from "../../preview/secrets";
import { exampleConfig, exampleValue } from "../support/stack";
import { byName, changedResources, planStack } from "../support/program";

const ofType = (resources: PlannedResource[], type: string) =>
    resources.filter((r) => r.type === type);

describe("the example stack under mocks", () => {
    let resources: PlannedResource[];

    beforeAll(async () => {
        resources = await planStack(exampleConfig());
    });

    it("declares the mail, certbot and MTA-STS containers, named as the guide's use", () => {
        const containers = ofType(resources, "docker:index/container:Container").map(
            (r) => r.inputs.name,
        );
        expect(containers.sort()).toEqual(["certbot-mailserver", "mailserver", "mta-sts"]);
    });

    it("starts the MTA-STS endpoint only after the certificate naming it exists", () => {
        expect(byName(resources, "mail-mta-sts-container").dependsOn).toContain(
            "mail-certbot-first-certificate",
        );
        const certbot = byName(resources, "mail-certbot-container").inputs.envs as string[];
        expect(certbot).toContain("CERT_DOMAINS=mail.example.com,mta-sts.example.com");
    });

    it("pins both images to release tags", () => {
        const images = ofType(resources, "docker:index/remoteImage:RemoteImage").map(
            (r) => r.inputs.name,
        );
        expect(images.sort()).toEqual([
            "certbot/dns-cloudflare:v4.1.1",
            "ghcr.io/docker-mailserver/docker-mailserver:15.1.0",
            "nginx:1.28.0-alpine",
        ]);
    });

    it("nests every host resource under its MailHost and the stack's root component", () => {
        expect(byName(resources, "mail").parent).toBe("mailfort");
        expect(byName(resources, "mail-mail").parent).toBe("mail");
        expect(byName(resources, "mail-certbot").parent).toBe("mail");
        expect(byName(resources, "mail-mail-container").parent).toBe("mail-mail");
        expect(byName(resources, "mailfort-dns").parent).toBe("mailfort");
    });

    it("creates the mail container only after the first certificate and its config files", () => {
        const deps = byName(resources, "mail-mail-container").dependsOn;
        expect(deps).toContain("mail-certbot-first-certificate");
        expect(deps).toContain("mail-mail-config-opt-mailfort-dms-config-postfix-main-cf");
        expect(deps).toContain("mail-mail-accounts-opt-mailfort-dms-config-postfix-accounts-cf");
        expect(byName(resources, "mail-certbot-first-certificate").dependsOn).toContain(
            "mail-certbot-container",
        );
    });

    it("pins the host key on every remote command and the Docker provider", () => {
        const commands = ofType(resources, "command:remote:Command");
        expect(commands.length).toBeGreaterThan(5);
        for (const c of commands) {
            const connection = (c.inputs.connection as { value: Record<string, unknown> }).value;
            expect(connection.hostKey, c.name).toMatch(/^ssh-ed25519 /);
        }
        const provider = byName(resources, "mail-docker");
        expect(provider.inputs.host).toBe("ssh://deploy@203.0.113.10:22");
        expect(JSON.stringify(provider.inputs.sshOpts)).toContain("StrictHostKeyChecking=yes");
    });

    it("lets every part that may run apt start only after the baseline's apt runs", () => {
        for (const part of ["mail-firewall", "mail-fail2ban", "mail-sshd", "mail-backups"]) {
            const deps = byName(resources, part).dependsOn;
            expect(deps.some((d) => d.startsWith("mail-baseline-")), `${part}: ${deps}`).toBe(true);
        }
    });

    it("does not ask a fresh host's Docker engine to exist before the baseline installs it", () => {
        // Provider inputs reach the engine as strings.
        expect(String(byName(resources, "mail-docker").inputs.disableDockerDaemonCheck)).toBe("true");
        expect(byName(resources, "mail-mail-container").dependsOn.some(
            (d) => d.startsWith("mail-baseline-"),
        )).toBe(true);
    });

    it("keeps secrets secret: SSH key, password hashes, DKIM key, Cloudflare token", () => {
        for (const c of ofType(resources, "command:remote:Command")) {
            expect(isSecretValue(c.inputs.connection), `${c.name} connection`).toBe(true);
        }
        const secretFiles = ofType(resources, "command:remote:Command").filter((c) => {
            const target = parseInstallCommand(String(c.inputs.create ?? ""));
            return target && /accounts|dkim\/|cloudflare\.ini/.test(target.path);
        });
        expect(secretFiles).toHaveLength(3);
        for (const file of secretFiles) {
            expect(isSecretValue(file.inputs.stdin), file.name).toBe(true);
            expect(file.inputs.logging).toBe("none");
            expect(String(file.inputs.create)).not.toMatch(
                /PRIVATE KEY|dns_cloudflare_api_token|\$6\$/,
            );
        }
    });

    it("ships the Cloudflare token mode 0600 and never puts secrets in container settings", () => {
        const token = ofType(resources, "command:remote:Command")
            .map((c) => parseInstallCommand(String(c.inputs.create ?? "")))
            .find((t) => t?.path.endsWith("cloudflare.ini"));
        expect(token?.mode).toBe("0600");
        for (const c of ofType(resources, "docker:index/container:Container")) {
            expect(JSON.stringify(c.inputs)).not.toMatch(/PRIVATE KEY|preview-token|\$6\$/);
        }
    });

    it("scopes the certbot token to DNS edits of the configured zone only", () => {
        const token = ofType(resources, "cloudflare:index/apiToken:ApiToken")[0];
        const policies = token?.inputs.policies as {
            permissionGroups: { id: string }[];
            resources: string;
        }[];
        expect(policies).toHaveLength(1);
        expect(policies[0]?.permissionGroups).toEqual([{ id: "4755a26eedb94da69e1066d98aa820be" }]);
        expect(JSON.parse(policies[0]?.resources ?? "{}")).toEqual({
            "com.cloudflare.api.account.zone.0123456789abcdef0123456789abcdef": "*",
        });
    });

    it("publishes DNS records not proxied, with TTLs, under full names", () => {
        const records = ofType(resources, "cloudflare:index/dnsRecord:DnsRecord");
        expect(records.map((r) => `${r.inputs.type} ${r.inputs.name}`).sort()).toEqual([
            "A mail.example.com",
            "A mta-sts.example.com",
            "AAAA mail.example.com",
            "AAAA mta-sts.example.com",
            "CAA example.com",
            "CAA example.com",
            "CAA example.com",
            "MX example.com",
            "TXT _dmarc.example.com",
            "TXT _mta-sts.example.com",
            "TXT _smtp._tls.example.com",
            "TXT example.com",
            "TXT mail._domainkey.example.com",
            "TXT mail.example.com",
        ]);
        for (const r of records.filter((r) => r.inputs.type === "A" || r.inputs.type === "AAAA")) {
            expect(r.inputs.proxied).toBe(false);
        }
    });
});

describe("what a config change touches", () => {
    it("changes nothing when nothing changed", async () => {
        expect(
            changedResources(await planStack(exampleConfig()), await planStack(exampleConfig())),
        ).toEqual([]);
    });

    it("adds an account by touching only the accounts file, not the container", async () => {
        const accounts = exampleValue<unknown[]>("accounts");
        const after = await planStack(
            exampleConfig({ accounts: [...accounts, { address: "new@example.com" }] }),
        );
        const changed = changedResources(await planStack(exampleConfig()), after);
        expect(changed).toEqual([
            "mail-mail-accounts-opt-mailfort-dms-config-postfix-accounts-cf",
            "mailfort-account-new-example-com-password",
            "mailfort-account-new-example-com-salt",
        ]);
    });

    it("re-creates the mail container when a file DMS reads at creation changes", async () => {
        const before = await planStack(exampleConfig());
        const after = await planStack(
            exampleConfig({ mail: { clientLimits: { messagesPerMinute: 40 } } }),
        );
        expect(changedResources(before, after)).toEqual([
            "mail-mail-config-opt-mailfort-dms-config-postfix-main-cf",
            "mail-mail-container",
        ]);
        const label = (rs: PlannedResource[]) =>
            JSON.stringify(byName(rs, "mail-mail-container").inputs.labels);
        expect(label(before)).not.toBe(label(after));
    });

    it("changes a Fail2Ban threshold without touching the mail container or DNS", async () => {
        const before = await planStack(exampleConfig());
        const after = await planStack(exampleConfig({ fail2ban: { maxretry: 4 } }));
        const changed = changedResources(before, after);
        expect(changed.length).toBeGreaterThan(0);
        expect(changed.every((name) => name.startsWith("mail-fail2ban-"))).toBe(true);
    });

    it("changes a firewall limit without touching the mail container or DNS", async () => {
        const before = await planStack(exampleConfig());
        const after = await planStack(exampleConfig({ firewall: { synRatePerSecond: 20 } }));
        const changed = changedResources(before, after);
        expect(changed.length).toBeGreaterThan(0);
        expect(changed.every((name) => name.startsWith("mail-firewall-"))).toBe(true);
    });

    it("publishes container ports only after the firewall table is confirmed", async () => {
        const resources = await planStack(exampleConfig());
        for (const name of [
            "mail-mail-container",
            "mail-mta-sts-container",
            "mail-certbot-container",
        ]) {
            expect(byName(resources, name).dependsOn, name).toContain("mail-firewall-confirm");
        }
    });
});
