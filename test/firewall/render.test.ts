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
    ipv6Mask,
    nftRate,
    renderFirewallEnv,
    renderRuleset,
    sshPorts,
} from "../../components/firewall/render";
import { parseInstallCommand } from "../../components/host/files";
import { ConfigError } from "../../config";
import { PreviewMocks } from "../../preview/mocks";
import { planStack } from "../support/program";
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
        expect(ruleset).toContain("define trusted_ipv4 = { 198.51.100.0/24 }");
        expect(ruleset).toContain('define allowed_tcp = { 22 comment "ssh", 25 comment "smtp", ' +
            '465 comment "submissions", 587 comment "submission", 993 comment "imaps", ' +
            '8443 comment "admin-panel", 443 comment "mta-sts" }');
        expect(ruleset).toContain("define ssh_ports = { 22 }");
        expect(ruleset).toContain("limit rate over 12/second burst 40 packets");
        expect(ruleset).toContain("ct count over 50");
        expect(ruleset).toContain("tcp dport $ssh_ports update @ssh_meter_ipv4 { ip saddr \\\n" +
            "            limit rate over 20/minute burst 150 packets } drop");
        // 6 probes in 600 s: a budget of 5 probes, refilled at 5 per 600 s.
        expect(ruleset).toContain("limit rate over 30/hour burst 5 packets");
        expect(ruleset).toContain("ip6 saddr & ffff:ffff:ffff:ffff:: @scanners_ipv6 drop");
        expect(ruleset.match(/^ {8}size 131072$/gm)).toHaveLength(14);
    });

    it("times every meter out only once its bucket is full again", () => {
        const timeout = (set: string) =>
            new RegExp(`set ${set} \\{[^}]*timeout (\\d+)s`).exec(ruleset)?.[1];
        // 40 SYNs at 12 a second refill in 4 s, 10 pings at 5 a second in 2 s: a minute at least.
        expect(timeout("syn_meter_ipv4")).toBe("60");
        expect(timeout("echo_meter_ipv6")).toBe("60");
        // 150 SSH connections at 20 a minute refill in 7.5 minutes.
        expect(timeout("ssh_meter_ipv4")).toBe("450");
        expect(timeout("probes_ipv4")).toBe("600");
        expect(timeout("probed_ipv6")).toBe("600");
        expect(timeout("scanners_ipv4")).toBe("600");
        // `update` restarts an entry's timeout with each packet; `add` would not.
        expect(ruleset).not.toMatch(/add @(syn|ssh|echo)_meter|add @probes/);
    });

    it("takes the tunable limits from the config", () => {
        const tuned = exampleConfig({
            firewall: {
                sshRatePerMinute: 6, sshBurst: 300, scanTrapProbes: 3, scanTrapWindowSeconds: 60,
                ipv6SourcePrefixLength: 56, maxTrackedSources: 65536,
            },
        });
        const text = renderRuleset(tuned.hosts[0]!, tuned);
        expect(text).toContain("limit rate over 6/minute burst 300 packets");
        expect(text).toMatch(/set ssh_meter_ipv6 \{[^}]*timeout 3000s/);
        expect(text).toContain("limit rate over 2/minute burst 2 packets");
        expect(text).toContain("add @scanners_ipv6 { ip6 saddr & ffff:ffff:ffff:ff00:: }");
        expect(text).toContain("update @ssh_meter_ipv6 { ip6 saddr & ffff:ffff:ffff:ff00:: ");
        expect(text.match(/^ {8}size 65536$/gm)).toHaveLength(14);
    });

    it("filters every local address, the same whatever addresses the config gives the host", () => {
        expect(ruleset).toContain("fib daddr type != local return");
        expect(ruleset).toMatch(/iifname "docker0" return\n\s+iifname "br-\*" return/);
        expect(ruleset).not.toContain("203.0.113.10");
        const other = exampleConfig({ hosts: [{ ...exampleValue<Record<string, unknown>[]>(
            "hosts")[0], ipv4: "203.0.113.99" }] });
        const v4only = withoutIpv6();
        const rendered = (c: typeof config) => renderRuleset(c.hosts[0]!, c);
        expect(rendered(other)).toBe(rendered(exampleConfig()));
        expect(rendered(v4only)).toBe(rendered(exampleConfig()));
    });

    it("replaces only its own table, hooked after conntrack and before Docker's DNAT", () => {
        expect(ruleset).toMatch(/^table inet mailfort \{\}\ndelete table inet mailfort\n/m);
        expect(ruleset).not.toMatch(/flush ruleset/);
        expect(ruleset).toContain("type filter hook prerouting priority mangle;");
    });

    it("tells UFW to leave IPv6 as it is on a host without IPv6", () => {
        const config = withoutIpv6();
        expect(renderFirewallEnv(config.hosts[0]!, config)).toContain("HOST_IPV6=no");
    });
});

describe("rates and masks in nft's terms", () => {
    it.each([
        [5, 600, "30/hour"],
        [2, 60, "2/minute"],
        [1, 1, "1/second"],
        [4, 86_400, "4/day"],
        [3, 7, "259200/week"],
        [1, 86_399, "7/week"],
    ])("writes %i per %i s as %s", (count, seconds, rate) => {
        expect(nftRate(count, seconds)).toBe(rate);
    });

    it.each([
        [64, "ffff:ffff:ffff:ffff::"],
        [56, "ffff:ffff:ffff:ff00::"],
        [48, "ffff:ffff:ffff::"],
        [33, "ffff:ffff:8000::"],
        [128, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
    ])("masks /%i as %s", (length, mask) => {
        expect(ipv6Mask(length)).toBe(mask);
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
            sshRatePerMinute: 20,
            sshBurst: 150,
            scanTrapProbes: 6,
            scanTrapWindowSeconds: 600,
            ipv6SourcePrefixLength: 64,
            maxTrackedSources: 131072,
            rollbackTimeoutSeconds: 120,
        });
    });

    it("lets one pulumi up of the example stack in on its SSH burst", async () => {
        const config = exampleConfig();
        const resources = await planStack(config);
        // One SSH connection per remote command; the Docker provider's are counted one per
        // Docker resource, more than it opens.
        const commands = resources.filter((r) => r.type === "command:remote:Command").length;
        const docker = resources.filter((r) => /^docker:index\//.test(r.type)).length;
        console.log(`one pulumi up: ${commands} remote commands, ${docker} Docker resources; ` +
            `SSH burst ${config.firewall.sshBurst}`);
        expect(commands).toBeGreaterThan(40);
        expect(commands + docker).toBeLessThanOrEqual(config.firewall.sshBurst * 0.75);
    });

    it.each([
        [{ synRatePerSecond: 0 }, "per second from 1 to 1000"],
        [{ concurrentConnectionsPerSource: 2 }, "connections from 5 to 100000"],
        [{ rollbackTimeoutSeconds: 5 }, "seconds from 30 to 3600"],
        [{ sshBurst: 6 }, "mailfort:firewall.sshBurst: 6 is too small: must be a whole number " +
            "of connections from 10 to 10000"],
        [{ sshRatePerMinute: 601 }, "mailfort:firewall.sshRatePerMinute: 601 is too big: must " +
            "be a whole number of connections per minute from 1 to 600"],
        [{ scanTrapProbes: 1 }, "mailfort:firewall.scanTrapProbes: 1 is too small: must be a " +
            "whole number of probes from 2 to 1000"],
        [{ scanTrapWindowSeconds: 90_000 }, "mailfort:firewall.scanTrapWindowSeconds: 90000 " +
            "is too big: must be a whole number of seconds from 10 to 86400"],
        [{ ipv6SourcePrefixLength: 16 }, "mailfort:firewall.ipv6SourcePrefixLength: 16 is too " +
            "small: must be a whole number of bits from 32 to 128"],
        [{ maxTrackedSources: 100 }, "mailfort:firewall.maxTrackedSources: 100 is too small: " +
            "must be a whole number of addresses from 1024 to 1048576"],
        [{ sshBurst: 99.5 }, "mailfort:firewall.sshBurst: 99.5 must be an integer"],
        [{ exceptions: [{ name: "smtp-again", port: 25 }] }, "25/tcp is a mail port"],
        [{ exceptions: [{ name: "a-b", port: 9000 }, { name: "c-d", port: 9000 }] },
            "listed twice"],
    ])("refuses %j", (firewall, message) => {
        expect(() => exampleConfig({ firewall })).toThrow(ConfigError);
        expect(() => exampleConfig({ firewall })).toThrow(message);
    });

    it("refuses a trusted network that is no CIDR, and an exception on the SSH port", () => {
        expect(() => exampleConfig({ trustedNetworks: ["office"] }))
            .toThrow('mailfort:trustedNetworks[0]: "office" must be an address or CIDR');
        const ssh = { firewall: { exceptions: [{ name: "ssh-again", port: 22 }] } };
        expect(() => exampleConfig(ssh))
            .toThrow("mailfort:firewall.exceptions[0].port: 22 is an SSH port");
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
        expect(() => exampleConfig({ firewall: { exceptions: [{ name: "web", port: 443 }] } }))
            .toThrow("mailfort:firewall.exceptions[0].port: 443 is opened for the MTA-STS");
    });
});

describe("moving SSH to another port", () => {
    it("lets sshd's extra ports through while it listens on both", () => {
        const sshd = exampleValue<Record<string, unknown>>("sshd");
        const config = exampleConfig({ sshd: { ...sshd, extraPorts: [2222] } });
        const ports = allowedPorts(config.hosts[0]!, config);
        expect(ports).toContainEqual({ port: 2222, protocol: "tcp", name: "ssh-move" });
        expect(renderFirewallEnv(config.hosts[0]!, config)).toContain("2222/tcp:ssh-move");
        // The SSH limit follows sshd to its new port.
        expect(sshPorts(config.hosts[0]!, config)).toEqual([22, 2222]);
        expect(renderRuleset(config.hosts[0]!, config)).toContain("define ssh_ports = { 22, 2222 }");
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
