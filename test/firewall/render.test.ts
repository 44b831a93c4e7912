/**
 * The firewall's renderers and config keys, and the component's resources under Pulumi's mocks.
 * The ruleset's behaviour is proven in namespace.test.ts; here: what lands where, and refusals.
 */
import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

import { Firewall } from "../../components/firewall";
import {
    allowedPorts,
    firewallBootUnit,
    firewallEnv,
    firewallFiles,
    firewallRuleset,
    firewallScript,
    renderFirewallEnv,
    renderRuleset,
} from "../../components/firewall/render";
import { parseInstallCommand } from "../../components/host/files";
import { ConfigError } from "../../config";
import { PreviewMocks } from "../../preview/mocks";
import { exampleConfig, exampleValue } from "../support/stack";
import { requireTools, run } from "../support/system";

function withoutIpv6() {
    const [host] = exampleValue<Record<string, unknown>[]>("hosts");
    const { ipv6: _dropped, ...rest } = host ?? {};
    return exampleConfig({ hosts: [rest] });
}

describe("the rendered ruleset", () => {
    const config = exampleConfig({
        firewall: { exceptions: [{ name: "admin-panel", port: 8443 }], synRatePerSecond: 12 },
    });
    const ruleset = renderRuleset(config.hosts[0]!, config);

    it("fills every placeholder from the host and the config", () => {
        expect(ruleset).not.toMatch(/@[A-Z0-9_]+@/);
        expect(ruleset).toContain("define public_ipv4 = { 203.0.113.10 }");
        expect(ruleset).toContain("define public_ipv6 = { 2001:db8::10 }");
        expect(ruleset).toContain("define trusted_ipv4 = { 198.51.100.0/24 }");
        expect(ruleset).toContain('define allowed_tcp = { 22 comment "ssh", 25 comment "smtp", ' +
            '465 comment "submissions", 587 comment "submission", 993 comment "imaps", ' +
            '8443 comment "admin-panel", 443 comment "mta-sts" }');
        expect(ruleset).toContain("limit rate over 12/second burst 40 packets");
        expect(ruleset).toContain("ct count over 50");
        expect(ruleset).toContain("timeout 600s");
    });

    it("replaces only its own table, hooked after conntrack and before Docker's DNAT", () => {
        expect(ruleset).toMatch(/^table inet mailfort \{\}\ndelete table inet mailfort\n/m);
        expect(ruleset).not.toMatch(/flush ruleset/);
        expect(ruleset).toContain("type filter hook prerouting priority mangle;");
    });

    it("leaves IPv6 alone on a host without IPv6", () => {
        const config = withoutIpv6();
        expect(renderRuleset(config.hosts[0]!, config)).toContain("define public_ipv6 = {  }");
        expect(renderFirewallEnv(config.hosts[0]!, config)).toContain("HOST_IPV6=no");
    });
});

describe("the script parameters", () => {
    it("name the SSH port, the mail ports, the named exceptions and the guard time", () => {
        const config = exampleConfig({
            firewall: { exceptions: [{ name: "dns", port: 53, protocol: "udp" }] },
        });
        expect(renderFirewallEnv(config.hosts[0]!, config)).toBe([
            "# Rendered by mailfort from the stack config; read by mailfort-firewall.",
            "SSH_PORT=22",
            'MAIL_PORTS="25 465 587 993"',
            'EXCEPTIONS="53/udp:dns 443/tcp:mta-sts"',
            'TRUSTED_NETWORKS="198.51.100.0/24"',
            "HOST_IPV6=yes",
            "ROLLBACK_SECONDS=120",
            "",
        ].join("\n"));
    });
});

describe("firewall config", () => {
    it("defaults to the hardened values", () => {
        expect(exampleConfig().firewall).toEqual({
            exceptions: [],
            synRatePerSecond: 10,
            synBurst: 40,
            concurrentConnectionsPerSource: 50,
            scanTrapTimeoutSeconds: 600,
            icmpEchoRatePerSecond: 5,
            icmpEchoBurst: 10,
            rollbackTimeoutSeconds: 120,
        });
    });

    it.each([
        [{ synRatePerSecond: 0 }, "per second from 1 to 1000"],
        [{ concurrentConnectionsPerSource: 2 }, "connections from 5 to 100000"],
        [{ rollbackTimeoutSeconds: 5 }, "seconds from 30 to 3600"],
        [{ exceptions: [{ name: "smtp-again", port: 25 }] }, "25/tcp is a mail port"],
        [{ exceptions: [{ name: "a-b", port: 9000 }, { name: "c-d", port: 9000 }] },
            "listed twice"],
    ])("refuses %j", (firewall, message) => {
        expect(() => exampleConfig({ firewall })).toThrow(ConfigError);
        expect(() => exampleConfig({ firewall })).toThrow(message);
    });

    it("refuses a trusted network that is no CIDR, and an exception on the SSH port", () => {
        const bad = exampleConfig({ trustedNetworks: ["office"] });
        expect(() => firewallFiles(bad.hosts[0]!, bad)).toThrow("mailfort:trustedNetworks");
        const ssh = exampleConfig({ firewall: { exceptions: [{ name: "ssh-again", port: 22 }] } });
        expect(() => firewallFiles(ssh.hosts[0]!, ssh)).toThrow("is the SSH port");
    });
});

describe("the Firewall component", () => {
    async function recorded(config = exampleConfig()) {
        const mocks = new PreviewMocks();
        await pulumi.runtime.setMocks(mocks, "mailfort", "test", true);
        const host = config.hosts[0]!;
        const connection = { host: host.ipv4, user: "deploy" };
        new Firewall("mx1-firewall", { connection, host, config });
        for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
        return mocks.recorded.filter((r) => r.type === "command:remote:Command");
    }

    it("ships every file, applies, then confirms in a separate command", async () => {
        const commands = await recorded();
        const shipped = commands.map((c) => parseInstallCommand(String(c.inputs.create))?.path);
        expect(shipped.filter(Boolean).sort()).toEqual(
            [firewallScript, "/etc/systemd/system/mailfort-firewall.service", firewallRuleset,
                firewallEnv].sort());
        const apply = commands.find((c) => c.name === "mx1-firewall-apply");
        const confirm = commands.find((c) => c.name === "mx1-firewall-confirm");
        expect(apply?.inputs.create).toMatch(new RegExp(`^sudo ${firewallScript} apply # `));
        expect(apply?.inputs.update).toBe(apply?.inputs.create);
        expect(confirm?.inputs.create).toMatch(new RegExp(`^sudo ${firewallScript} confirm # `));
        // A changed trigger would replace the command; the digest lives in the command text.
        expect(apply?.inputs.triggers).toBeUndefined();
    });

    it("re-applies exactly when a rendered file changes", async () => {
        const text = async (config = exampleConfig()) =>
            (await recorded(config)).find((c) => c.name === "mx1-firewall-apply")?.inputs.create;
        const first = await text();
        expect(await text()).toBe(first);
        expect(await text(exampleConfig({ firewall: { synBurst: 41 } }))).not.toBe(first);
    });
});

describe("HTTPS for the MTA-STS endpoint", () => {
    const hosts = exampleValue<Record<string, unknown>[]>("hosts");
    const backup = { ...hosts[0], hostname: "mx2.example.com", ipv4: "203.0.113.20" };
    const twoHosts = { hosts: [hosts[0], backup] };
    const opens443 = (changes: Record<string, unknown>, index: number) => {
        const config = exampleConfig(changes);
        return allowedPorts(config.hosts[index]!, config).some((p) => p.port === 443);
    };

    it("is open on the primary MX only, and only while the endpoint runs", () => {
        expect(opens443(twoHosts, 0)).toBe(true);
        expect(opens443(twoHosts, 1)).toBe(false);
        expect(opens443({ ...twoHosts, services: { mtaSts: false } }, 0)).toBe(false);
    });

    it("refuses an exception for 443 while the endpoint opens it", () => {
        const config = exampleConfig({ firewall: { exceptions: [{ name: "web", port: 443 }] } });
        expect(() => allowedPorts(config.hosts[0]!, config)).toThrow(
            /port 443 is opened for the MTA-STS/,
        );
    });
});

describe("moving SSH to another port", () => {
    it("lets sshd's extra ports through while it listens on both", () => {
        const sshd = exampleValue<Record<string, unknown>>("sshd");
        const config = exampleConfig({ sshd: { ...sshd, extraPorts: [2222] } });
        const ports = allowedPorts(config.hosts[0]!, config);
        expect(ports).toContainEqual({ port: 2222, protocol: "tcp", name: "ssh-move" });
        expect(renderFirewallEnv(config.hosts[0]!, config)).toContain("2222/tcp:ssh-move");
    });
});

describe("the boot unit", () => {
    it("passes systemd-analyze verify and loads only the confirmed ruleset, before Docker", () => {
        requireTools({ "systemd-analyze": "systemd", nft: "nftables" });
        const config = exampleConfig();
        const files = firewallFiles(config.hosts[0]!, config);
        const text = String(files.find((f) => f.path === firewallBootUnit)?.content);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mailfort-unit-"));
        try {
            const file = path.join(dir, path.basename(firewallBootUnit));
            fs.writeFileSync(file, text);
            run("systemd-analyze", ["verify", file]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        expect(text).toMatch(/^Before=.*\bdocker\.service\b/m);
        expect(text).toMatch(/^ExecStart=\S*nft -f \S*\/confirmed\.nft$/m);
        expect(text).toMatch(/^ConditionPathExists=\S*\/confirmed\.nft$/m);
    });
});
