/**
 * The firewall lab: a "server" namespace with the host's public addresses, an "attacker" and a
 * "client" on their own links, and a "container" behind Docker-style DNAT (nat DOCKER chain,
 * DOCKER-USER in FORWARD). UFW runs inside the server namespace with its files in a temp folder,
 * so the real /etc/ufw and the real host firewall are never touched.
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
    lab.link(server, ["192.0.2.129/26", "2001:db8:d::1/64"], container,
        ["192.0.2.130/26", "2001:db8:d::130/64"]);
    server.exec(["ip", "addr", "add", `${publicV4}/32`, "dev", "lo"]);
    server.exec(["ip", "addr", "add", `${publicV6}/128`, "dev", "lo"]);
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
        t("-I", "FORWARD", "2", "-o", "v-ctr", "-m", "conntrack",
            "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT");
        t("-I", "FORWARD", "3", "-o", "v-ctr", "-j", "DOCKER");
        t("-I", "FORWARD", "4", "-i", "v-ctr", "!", "-o", "v-ctr", "-j", "ACCEPT");
    }
    publishPorts(server);
}

function publishPorts(server: Namespace): void {
    for (const [tool, target] of families) {
        const t = (...args: string[]) => server.exec([tool, ...args]);
        for (const port of publishedPorts) {
            t("-t", "nat", "-A", "DOCKER", "!", "-i", "v-ctr", "-p", "tcp",
                "--dport", String(port), "-j", "DNAT", "--to-destination", `${target}:${port}`);
            t("-A", "DOCKER", "!", "-i", "v-ctr", "-o", "v-ctr", "-p", "tcp", "--dport",
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
