/**
 * The firewall lab: a "server" namespace with the host's public addresses (and a floating pair
 * the stack config does not know), an "attacker" and a "client" on their own links, and a
 * "container" on the server's `docker0` behind Docker-style DNAT (nat DOCKER chain, DOCKER-USER
 * in FORWARD). UFW runs inside the server namespace with its files in a temp folder, so the real
 * /etc/ufw and the real host firewall are never touched.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import type { HostFile } from "../../components/host/files";
import { Lab, Namespace } from "../support/netns";

export const probe = path.join(__dirname, "probe.py");

/** The server's public addresses, as the stack config gives them. */
export const publicV4 = "203.0.113.10";
export const publicV6 = "2001:db8:10::10";
/** More addresses of the server that the stack config does not name: a floating IP, the /64. */
export const unlistedV4 = "203.0.113.11";
export const unlistedV6 = "2001:db8:10::11";
/** The server's end of the container link, named like Docker's default bridge. */
export const bridge = "docker0";
/** Published through the simulated Docker DNAT: the mail ports and one published by mistake. */
export const publishedPorts = [25, 465, 587, 993, 8080];

export const addresses = {
    attacker: { v4: "192.0.2.2", v6: "2001:db8:a::2" },
    client: { v4: "192.0.2.66", v6: "2001:db8:c::66" },
    container: { v4: "192.0.2.130", v6: "2001:db8:d::130" },
};

export interface FirewallLab {
    lab: Lab;
    server: Namespace;
    attacker: Namespace;
    client: Namespace;
    container: Namespace;
    /** Temp folder holding the shipped files (`root/`), UFW's files, state and log. */
    dir: string;
}

export function buildLab(prefix: string): FirewallLab {
    const lab = new Lab(prefix);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    try {
        return wire(lab, dir);
    } catch (error) {
        lab.destroy();
        fs.rmSync(dir, { recursive: true, force: true });
        throw error;
    }
}

function wire(lab: Lab, dir: string): FirewallLab {
    const server = lab.namespace("srv");
    const attacker = lab.namespace("atk");
    const client = lab.namespace("cli");
    const container = lab.namespace("ctr");
    lab.link(server, ["192.0.2.1/26", "2001:db8:a::1/64"], attacker,
        ["192.0.2.2/26", "2001:db8:a::2/64"]);
    lab.link(server, ["192.0.2.65/26", "2001:db8:c::1/64"], client,
        ["192.0.2.66/26", "2001:db8:c::66/64"]);
    const { a: containerLink } = lab.link(server, [], container,
        ["192.0.2.130/26", "2001:db8:d::130/64"]);
    nameBridge(server, containerLink, ["192.0.2.129/26", "2001:db8:d::1/64"]);
    for (const address of [`${publicV4}/32`, `${publicV6}/128`, `${unlistedV4}/32`,
        `${unlistedV6}/128`]) {
        server.exec(["ip", "addr", "add", address, "dev", "lo"]);
    }
    server.exec(["sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"]);
    for (const [ns, v4, v6] of [[attacker, "192.0.2.1", "2001:db8:a::1"], [client, "192.0.2.65",
        "2001:db8:c::1"], [container, "192.0.2.129", "2001:db8:d::1"]] as const) {
        ns.exec(["ip", "route", "add", "default", "via", v4]);
        ns.exec(["ip", "-6", "route", "add", "default", "via", v6]);
    }
    publishLikeDocker(server);
    prepareUfwRoot(dir);
    return { lab, server, attacker, client, container, dir };
}

/**
 * Renames the server's end of the container link to `docker0` and gives it its addresses, which
 * a rename would otherwise drop (the link is down meanwhile). Waits (5 s at most) until IPv6 is
 * usable on it.
 */
function nameBridge(server: Namespace, link: string, bridgeAddresses: string[]): void {
    server.exec(["ip", "link", "set", link, "down"]);
    server.exec(["ip", "link", "set", link, "name", bridge]);
    for (const address of bridgeAddresses) {
        const extra = address.includes(":") ? ["nodad"] : [];
        server.exec(["ip", "addr", "add", address, "dev", bridge, ...extra]);
    }
    server.exec(["ip", "link", "set", bridge, "up"]);
    const deadline = Date.now() + 5_000;
    while (server.exec(["ip", "-6", "addr", "show", "dev", bridge, "tentative"]).trim() !== "") {
        if (Date.now() > deadline) throw new Error(`IPv6 on ${bridge} still tentative after 5 s`);
        server.exec(["sleep", "0.1"]);
    }
}

/** The server's link-local address on the link towards `peer` (e.g. "cli"), with its scope. */
export function serverLinkLocal(server: Namespace, peer: string): string {
    const shown = server.exec(["ip", "-6", "-o", "addr", "show", "dev", `v-${peer}`, "scope",
        "link"]);
    const address = /inet6 (fe80::[0-9a-f:]+)\//.exec(shown)?.[1];
    if (!address) throw new Error(`no link-local address on v-${peer}: ${shown}`);
    return address;
}

const families = [["iptables", addresses.container.v4],
    ["ip6tables", `[${addresses.container.v6}]`]] as const;

/** What dockerd writes for `-p 25:25 ...` on a bridge: nat DNAT, FORWARD accepts, DOCKER-USER. */
function publishLikeDocker(server: Namespace): void {
    for (const [tool] of families) {
        const t = (...args: string[]) => server.exec([tool, ...args]);
        t("-t", "nat", "-N", "DOCKER");
        t("-t", "nat", "-A", "PREROUTING", "-m", "addrtype", "--dst-type", "LOCAL",
            "-j", "DOCKER");
        t("-N", "DOCKER");
        t("-N", "DOCKER-USER");
        t("-A", "DOCKER-USER", "-j", "RETURN");
        t("-I", "FORWARD", "1", "-j", "DOCKER-USER");
        t("-I", "FORWARD", "2", "-o", bridge, "-m", "conntrack",
            "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT");
        t("-I", "FORWARD", "3", "-o", bridge, "-j", "DOCKER");
        t("-I", "FORWARD", "4", "-i", bridge, "!", "-o", bridge, "-j", "ACCEPT");
    }
    publishPorts(server);
}

function publishPorts(server: Namespace): void {
    for (const [tool, target] of families) {
        const t = (...args: string[]) => server.exec([tool, ...args]);
        for (const port of publishedPorts) {
            t("-t", "nat", "-A", "DOCKER", "!", "-i", bridge, "-p", "tcp",
                "--dport", String(port), "-j", "DNAT", "--to-destination", `${target}:${port}`);
            t("-A", "DOCKER", "!", "-i", bridge, "-o", bridge, "-p", "tcp", "--dport",
                String(port), "-j", "ACCEPT");
        }
    }
}

/** What a Docker restart does to the rules: its chains flushed and the publications re-added. */
export function restartDocker(server: Namespace): void {
    for (const [tool] of families) {
        server.exec([tool, "-t", "nat", "-F", "DOCKER"]);
        server.exec([tool, "-F", "DOCKER"]);
        server.exec([tool, "-F", "DOCKER-USER"]);
        server.exec([tool, "-A", "DOCKER-USER", "-j", "RETURN"]);
    }
    publishPorts(server);
}

/** A private copy of UFW's files as the package installs them, disabled like a fresh host. */
function prepareUfwRoot(dir: string): void {
    const root = path.join(dir, "ufw");
    fs.mkdirSync(path.join(root, "etc", "default"), { recursive: true });
    fs.mkdirSync(path.join(root, "lib"), { recursive: true });
    fs.cpSync("/etc/ufw", path.join(root, "etc", "ufw"), { recursive: true });
    fs.cpSync("/lib/ufw", path.join(root, "lib", "ufw"), { recursive: true });
    const conf = path.join(root, "etc", "ufw", "ufw.conf");
    fs.writeFileSync(conf, fs.readFileSync(conf, "utf8").replace(/^ENABLED=.*$/m, "ENABLED=no"));
    const defaults = fs.readFileSync("/etc/default/ufw", "utf8")
        .replace(/^IPT_SYSCTL=.*$/m, `IPT_SYSCTL=${root}/etc/ufw/sysctl.conf`);
    fs.writeFileSync(path.join(root, "etc", "default", "ufw"), defaults);
    // The package's empty user rules, whatever rules this machine's own UFW holds.
    for (const rules of ["user.rules", "user6.rules"]) {
        fs.copyFileSync(path.join("/usr/share/ufw", rules), path.join(root, "etc", "ufw", rules));
    }
}

/** Writes shipped files under `dir/root`, the way they would land on the host. */
export function installFiles(dir: string, files: HostFile[]): void {
    for (const file of files) {
        const target = path.join(dir, "root", file.path);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, String(file.content), { mode: parseInt(file.mode ?? "0644", 8) });
        fs.chmodSync(target, parseInt(file.mode ?? "0644", 8));
    }
}

/** The environment that points `mailfort-firewall` at the lab's folders and scheduler. */
export function scriptEnv(dir: string): string[] {
    return [
        `MAILFORT_FIREWALL_ETC=${dir}/root/etc/mailfort/firewall`,
        `MAILFORT_FIREWALL_STATE=${dir}/state`,
        `MAILFORT_SECURITY_LOG=${dir}/security.log`,
        `MAILFORT_UFW_ROOT=${dir}/ufw`,
        "MAILFORT_FIREWALL_SCHEDULER=background",
    ];
}

export function ufwArgs(dir: string): string[] {
    return ["ufw", `--rootdir=${dir}/ufw`, `--datadir=${dir}/ufw`];
}

/** Polls `check` every 250 ms until it holds or `timeoutMs` passes; returns whether it held. */
export async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (check()) return true;
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return check();
}

const fail2banAction = path.join(__dirname, "..", "..", "components", "fail2ban", "action.d",
    "mailfort-nftables.conf");

/** The `key = value` options of one section of a Fail2Ban config file, continuations joined. */
function confSection(text: string, section: string): Record<string, string> {
    const body = text.split(/^\[([^\]]+)\]$/m);
    const index = body.indexOf(section);
    if (index < 0) throw new Error(`no [${section}] in ${fail2banAction}`);
    const values: Record<string, string> = {};
    let key = "";
    for (const line of (body[index + 1] ?? "").split("\n")) {
        const option = /^([A-Za-z_][\w.-]*)\s*=\s?(.*)$/.exec(line);
        if (option) {
            key = option[1]!;
            values[key] = option[2]!;
        } else if (key && /^\s+\S/.test(line)) {
            values[key] += `\n${line.trim()}`;
        } else if (!line.startsWith("#")) {
            key = "";
        }
    }
    return values;
}

/**
 * What mailfort's Fail2Ban action loads when `jail` starts and bans `address` on `port` (IPv4):
 * its actionstart ruleset, interpolated from the action file's own defaults the way Fail2Ban
 * fills in `<tags>`, plus one banned element.
 */
export function fail2banBan(jail: string, port: number, address: string): string {
    const text = fs.readFileSync(fail2banAction, "utf8");
    const values: Record<string, string> = {
        ...confSection(text, "Definition"),
        ...confSection(text, "Init"),
        name: jail,
        port: String(port),
    };
    const fill = (template: string): string => {
        let filled = template;
        for (let pass = 0; pass < 10; pass++) {
            const next = filled.replace(/<([\w-]+)>/g, (tag, name: string) => values[name] ?? tag);
            if (next === filled) return filled;
            filled = next;
        }
        throw new Error(`Fail2Ban tags do not resolve in ${template}`);
    };
    const start = /<<'MAILFORT_NFT'\n([\s\S]*?)\nMAILFORT_NFT/.exec(values["actionstart"] ?? "");
    if (!start) throw new Error(`no actionstart ruleset in ${fail2banAction}`);
    const ban = `add element <table_family> <table> <set> { ${address} timeout 600s }`;
    return `${fill(start[1]!)}\n${fill(ban)}\n`;
}
