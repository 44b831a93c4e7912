/**
 * Pure renderers for the host firewall: the nftables table `inet mailfort` from its template, the
 * parameters of the `mailfort-firewall` script (UFW rules, rollback time) and the boot unit.
 * No Pulumi resources here.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import type { HostConfig, StackConfig } from "../../config";
import type { HostFile } from "../host/files";
import { hostPaths } from "../host/paths";

/** Each mail port with the name operators give it; the name is the nft element comment. */
export const mailPorts: readonly { port: number; name: string }[] = [
    { port: 25, name: "smtp" },
    { port: 465, name: "submissions" },
    { port: 587, name: "submission" },
    { port: 993, name: "imaps" },
];

export const firewallEtc = `${hostPaths.etc}/firewall`;
export const firewallScript = `${hostPaths.bin}/mailfort-firewall`;
export const firewallRuleset = `${firewallEtc}/mailfort.nft`;
export const firewallEnv = `${firewallEtc}/firewall.env`;
export const firewallBootUnit = "/etc/systemd/system/mailfort-firewall.service";

/** An allowed port as it appears in the ruleset: number, protocol and the reason it is open. */
export interface AllowedPort {
    port: number;
    protocol: "tcp" | "udp";
    name: string;
}

/**
 * Ports opened for a reason other than mail and SSH: the operator's named exceptions, HTTPS on
 * the primary MX while it serves the MTA-STS policy (and only then), and sshd's extra ports
 * while SSH moves to another port. The config loader has refused exceptions that clash with
 * these (config/consistency.ts).
 */
export function openedExceptions(host: HostConfig, config: StackConfig): AllowedPort[] {
    const servesMtaSts = config.services.mtaSts && config.hosts[0]?.hostname === host.hostname;
    // While SSH moves to a new port, sshd listens on both: the firewall must let both through.
    const movingSsh = sshPorts(host, config).slice(1);
    return [
        ...config.firewall.exceptions.map(({ port, protocol, name }) => ({ port, protocol, name })),
        ...(servesMtaSts ? [{ port: 443, protocol: "tcp" as const, name: "mta-sts" }] : []),
        ...movingSsh.map((port) => ({ port, protocol: "tcp" as const, name: "ssh-move" })),
    ];
}

/** SSH, the mail ports and the named exceptions, in that order. */
export function allowedPorts(host: HostConfig, config: StackConfig): AllowedPort[] {
    return [
        { port: host.ssh.port, protocol: "tcp", name: "ssh" },
        ...mailPorts.map(({ port, name }) => ({ port, protocol: "tcp" as const, name })),
        ...openedExceptions(host, config),
    ];
}

/** The operator's networks split by family (the config loader checked each is a CIDR). */
export function trustedNetworks(config: StackConfig): { ipv4: string[]; ipv6: string[] } {
    return {
        ipv4: config.trustedNetworks.filter((network) => !network.includes(":")),
        ipv6: config.trustedNetworks.filter((network) => network.includes(":")),
    };
}

function elements(ports: AllowedPort[], protocol: AllowedPort["protocol"]): string {
    return ports
        .filter((p) => p.protocol === protocol)
        .map((p) => `${p.port} comment "${p.name}"`)
        .join(", ");
}

/** Fills the template's @NAME@ placeholders; a placeholder left over is a bug, so it throws. */
export function renderTemplate(template: string, values: Record<string, string | number>): string {
    return template.replace(/@([A-Z0-9_]+)@/g, (whole, key: string) => {
        const value = values[key];
        if (value === undefined) throw new Error(`firewall template: no value for ${whole}`);
        return String(value);
    });
}

/** The ports sshd listens on: `hosts[].ssh.port`, and its extra ports while SSH moves. */
export function sshPorts(host: HostConfig, config: StackConfig): number[] {
    const moving = config.services.sshHardening ? config.sshd.extraPorts : [];
    return [host.ssh.port, ...moving.filter((port) => port !== host.ssh.port)];
}

/** The netmask of an IPv6 prefix length as nft writes it, e.g. 56 -> ffff:ffff:ffff:ff00:: */
export function ipv6Mask(prefixLength: number): string {
    const groups = Array.from({ length: 8 }, (_, index) => {
        const bits = Math.min(16, Math.max(0, prefixLength - 16 * index));
        return (0xffff - (0xffff >> bits)).toString(16);
    });
    const ones = groups.filter((group) => group !== "0");
    return ones.length === 8 ? ones.join(":") : `${ones.join(":")}::`;
}

const rateUnits: [string, number][] = [
    ["second", 1], ["minute", 60], ["hour", 3600], ["day", 86_400], ["week", 604_800],
];

/**
 * `count` per `seconds` as an nft rate, which takes whole numbers per second, minute, hour, day
 * or week only: the shortest unit in which the rate is whole, else per week rounded (an error
 * below one part in 600,000 for the windows the config allows).
 */
export function nftRate(count: number, seconds: number): string {
    for (const [unit, length] of rateUnits) {
        const perUnit = (count * length) / seconds;
        if (Number.isInteger(perUnit)) return `${perUnit}/${unit}`;
    }
    return `${Math.max(1, Math.round((count * 604_800) / seconds))}/week`;
}

/** How long a token bucket of `burst` takes to refill at `perSecond`, at least a minute. */
function refillSeconds(burst: number, perSecond: number): number {
    return Math.max(60, Math.ceil(burst / perSecond));
}

/**
 * The nftables table `inet mailfort` for one host. It filters every local address, so the host's
 * configured addresses are not part of it: a host without `ipv6` is protected on IPv6 as well.
 */
export function renderRuleset(host: HostConfig, config: StackConfig): string {
    const settings = config.firewall;
    const ports = allowedPorts(host, config);
    const trusted = trustedNetworks(config);
    const probeBudget = settings.scanTrapProbes - 1;
    const template = fs.readFileSync(path.join(__dirname, "mailfort.nft"), "utf8");
    return renderTemplate(template, {
        TRUSTED_IPV4: trusted.ipv4.join(", "),
        TRUSTED_IPV6: trusted.ipv6.join(", "),
        ALLOWED_TCP: elements(ports, "tcp"),
        ALLOWED_UDP: elements(ports, "udp"),
        SSH_PORTS: sshPorts(host, config).join(", "),
        SET_SIZE: settings.maxTrackedSources,
        IPV6_MASK: ipv6Mask(settings.ipv6SourcePrefixLength),
        SYN_RATE: settings.synRatePerSecond,
        SYN_BURST: settings.synBurst,
        SYN_TIMEOUT: refillSeconds(settings.synBurst, settings.synRatePerSecond),
        CONN_LIMIT: settings.concurrentConnectionsPerSource,
        SSH_RATE: settings.sshRatePerMinute,
        SSH_BURST: settings.sshBurst,
        SSH_TIMEOUT: refillSeconds(settings.sshBurst, settings.sshRatePerMinute / 60),
        SCAN_TIMEOUT: settings.scanTrapTimeoutSeconds,
        PROBE_WINDOW: settings.scanTrapWindowSeconds,
        PROBE_RATE: nftRate(probeBudget, settings.scanTrapWindowSeconds),
        PROBE_BURST: probeBudget,
        ECHO_RATE: settings.icmpEchoRatePerSecond,
        ECHO_BURST: settings.icmpEchoBurst,
        ECHO_TIMEOUT: refillSeconds(settings.icmpEchoBurst, settings.icmpEchoRatePerSecond),
    });
}

/** The parameters `mailfort-firewall` sources: what UFW allows and how long the guard waits. */
export function renderFirewallEnv(host: HostConfig, config: StackConfig): string {
    const exceptions = openedExceptions(host, config).map(
        (e) => `${e.port}/${e.protocol}:${e.name}`,
    );
    const lines = [
        "# Rendered by mailfort from the stack config; read by mailfort-firewall.",
        `SSH_PORT=${host.ssh.port}`,
        `MAIL_PORTS="${mailPorts.map((p) => p.port).join(" ")}"`,
        `EXCEPTIONS="${exceptions.join(" ")}"`,
        `HOST_IPV6=${host.ipv6 ? "yes" : "no"}`,
        `ROLLBACK_SECONDS=${config.firewall.rollbackTimeoutSeconds}`,
    ];
    return `${lines.join("\n")}\n`;
}

function repoFile(name: string): string {
    return fs.readFileSync(path.join(__dirname, name), "utf8");
}

/** Every file the firewall puts on a host. */
export function firewallFiles(host: HostConfig, config: StackConfig): HostFile[] {
    return [
        { path: firewallScript, content: repoFile("mailfort-firewall"), mode: "0755" },
        { path: firewallBootUnit, content: repoFile("mailfort-firewall.service") },
        { path: firewallRuleset, content: renderRuleset(host, config), mode: "0600" },
        { path: firewallEnv, content: renderFirewallEnv(host, config), mode: "0600" },
    ];
}
