/**
 * Pure renderers for the host firewall: the nftables table `inet mailfort` from its template, the
 * parameters of the `mailfort-firewall` script (UFW rules, rollback time) and the boot unit.
 * No Pulumi resources here.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import type { HostConfig, StackConfig } from "../../config";
import { isCidr } from "../../config/sections/primitives";
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
 * while SSH moves to another port.
 */
export function openedExceptions(host: HostConfig, config: StackConfig): AllowedPort[] {
    const servesMtaSts = config.services.mtaSts && config.hosts[0]?.hostname === host.hostname;
    const clash = config.firewall.exceptions.find((e) => e.protocol === "tcp" && e.port === 443);
    if (servesMtaSts && clash) {
        throw new Error(
            `mailfort:firewall.exceptions ${clash.name}: port 443 is opened for the MTA-STS ` +
                "endpoint while mailfort:services.mtaSts is true; remove the exception",
        );
    }
    // While SSH moves to a new port, sshd listens on both: the firewall must let both through.
    const movingSsh = config.services.sshHardening
        ? config.sshd.extraPorts.filter((port) => port !== host.ssh.port)
        : [];
    return [
        ...config.firewall.exceptions.map(({ port, protocol, name }) => ({ port, protocol, name })),
        ...(servesMtaSts ? [{ port: 443, protocol: "tcp" as const, name: "mta-sts" }] : []),
        ...movingSsh.map((port) => ({ port, protocol: "tcp" as const, name: "ssh-move" })),
    ];
}

/** SSH, the mail ports and the named exceptions, in that order. */
export function allowedPorts(host: HostConfig, config: StackConfig): AllowedPort[] {
    const exceptions = config.firewall.exceptions;
    const clash = exceptions.find((e) => e.protocol === "tcp" && e.port === host.ssh.port);
    if (clash) {
        throw new Error(
            `mailfort:firewall.exceptions ${clash.name}: port ${clash.port} is the SSH port of ` +
                `${host.hostname} and always open; remove the exception`,
        );
    }
    return [
        { port: host.ssh.port, protocol: "tcp", name: "ssh" },
        ...mailPorts.map(({ port, name }) => ({ port, protocol: "tcp" as const, name })),
        ...openedExceptions(host, config),
    ];
}

/** The operator's networks split by family; refuses anything that is not an address or CIDR. */
export function trustedNetworks(config: StackConfig): { ipv4: string[]; ipv6: string[] } {
    const bad = config.trustedNetworks.filter((network) => !isCidr(network));
    if (bad.length > 0) {
        throw new Error(
            `mailfort:trustedNetworks ${JSON.stringify(bad)}: each entry must be an address or ` +
                "CIDR such as 198.51.100.0/24 or 2001:db8::/48",
        );
    }
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

/** The nftables table `inet mailfort` for one host. */
export function renderRuleset(host: HostConfig, config: StackConfig): string {
    const settings = config.firewall;
    const ports = allowedPorts(host, config);
    const trusted = trustedNetworks(config);
    const template = fs.readFileSync(path.join(__dirname, "mailfort.nft"), "utf8");
    return renderTemplate(template, {
        PUBLIC_IPV4: host.ipv4,
        PUBLIC_IPV6: host.ipv6 ?? "",
        TRUSTED_IPV4: trusted.ipv4.join(", "),
        TRUSTED_IPV6: trusted.ipv6.join(", "),
        ALLOWED_TCP: elements(ports, "tcp"),
        ALLOWED_UDP: elements(ports, "udp"),
        SYN_RATE: settings.synRatePerSecond,
        SYN_BURST: settings.synBurst,
        CONN_LIMIT: settings.concurrentConnectionsPerSource,
        SCAN_TIMEOUT: settings.scanTrapTimeoutSeconds,
        ECHO_RATE: settings.icmpEchoRatePerSecond,
        ECHO_BURST: settings.icmpEchoBurst,
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
        `TRUSTED_NETWORKS="${config.trustedNetworks.join(" ")}"`,
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
