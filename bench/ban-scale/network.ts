/**
 * The ban-scale lab: a "server" namespace that publishes port 25 of a "container" namespace the
 * way dockerd does (nat DOCKER chain in PREROUTING, FORWARD through DOCKER-USER with policy
 * DROP), and a "client" namespace, the legitimate sender whose connection rate is measured.
 * Everything is IPv6 in 2001:db8::/32: the banned addresses are IPv6 too, so every client packet
 * meets the full set or chain of bans (an IPv4 client would never consult IPv6 bans).
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { Lab, Namespace } from "../../test/support/netns";
import { attempt } from "../../test/support/system";

const tcpTool = path.join(__dirname, "tcp.py");
// The system interpreter: a version manager's shim first on PATH (pyenv) costs a quarter of a
// second per start, which adds up over the probes.
const python = fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

export const net = {
    /** The host's public address, as a client dials it. */
    public: "2001:db8:10::10",
    serverToClient: "2001:db8:c::1",
    client: "2001:db8:c::66",
    bridge: "2001:db8:d::1",
    container: "2001:db8:d::130",
    /** Routed to the client so a banned source can be tried from there. */
    bannedRange: "2001:db8:bad::/48",
    port: 25,
};

export interface BanLab {
    server: Namespace;
    client: Namespace;
    /** Stops the listener and deletes the namespaces. */
    destroy(): void;
}

/** Builds the lab and starts the listener; the listener exits on its own after `seconds`. */
export function buildLab(prefix: string, seconds: number): BanLab {
    const lab = new Lab(prefix);
    try {
        const server = lab.namespace("srv");
        const client = lab.namespace("cli");
        const container = lab.namespace("ctr");
        lab.link(server, [`${net.serverToClient}/64`], client, [`${net.client}/64`]);
        lab.link(server, [`${net.bridge}/64`], container, [`${net.container}/64`]);
        server.exec(["ip", "addr", "add", `${net.public}/128`, "dev", "lo"]);
        server.exec(["ip", "-6", "route", "add", net.bannedRange, "via", net.client]);
        server.exec(["sysctl", "-qw", "net.ipv6.conf.all.forwarding=1"]);
        client.exec(["ip", "-6", "route", "add", "default", "via", net.serverToClient]);
        container.exec(["ip", "-6", "route", "add", "default", "via", net.bridge]);
        publishLikeDocker(server);
        container.start([python, tcpTool, "listen", String(net.port), String(seconds)]);
        waitForListener(container);
        waitForPath(client);
        return { server, client, destroy: () => lab.destroy() };
    } catch (error) {
        lab.destroy();
        throw error;
    }
}

/** What dockerd writes for `-p 25:25` on an IPv6-enabled bridge. */
function publishLikeDocker(server: Namespace): void {
    const t = (...args: string[]) => server.exec(["ip6tables", ...args]);
    const port = String(net.port);
    t("-t", "nat", "-N", "DOCKER");
    t("-t", "nat", "-A", "PREROUTING", "-m", "addrtype", "--dst-type", "LOCAL", "-j", "DOCKER");
    t("-t", "nat", "-A", "DOCKER", "!", "-i", "v-ctr", "-p", "tcp", "--dport", port,
        "-j", "DNAT", "--to-destination", `[${net.container}]:${port}`);
    t("-P", "FORWARD", "DROP");
    t("-N", "DOCKER");
    t("-N", "DOCKER-USER");
    t("-A", "DOCKER-USER", "-j", "RETURN");
    t("-A", "FORWARD", "-j", "DOCKER-USER");
    t("-A", "FORWARD", "-o", "v-ctr", "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED",
        "-j", "ACCEPT");
    t("-A", "FORWARD", "-o", "v-ctr", "-j", "DOCKER");
    t("-A", "FORWARD", "-i", "v-ctr", "!", "-o", "v-ctr", "-j", "ACCEPT");
    t("-A", "DOCKER", "!", "-i", "v-ctr", "-o", "v-ctr", "-p", "tcp", "--dport", port,
        "-j", "ACCEPT");
    // The IPv4 side only needs DOCKER-USER to exist: the stock action's IPv4 start jumps to it.
    server.exec(["iptables", "-N", "DOCKER-USER"]);
    server.exec(["iptables", "-A", "FORWARD", "-j", "DOCKER-USER"]);
}

function waitForListener(container: Namespace): void {
    // Bounded: 50 polls of 100 ms.
    for (let i = 0; i < 50; i++) {
        const listing = container.attempt(["ss", "-ltnH", `sport = :${net.port}`]).stdout ?? "";
        if (listing.includes(`:${net.port}`)) return;
        attempt("sleep", ["0.1"]);
    }
    throw new Error("the benchmark's listener in the container namespace did not start");
}

/**
 * The first connect waits for neighbour discovery and may time out: a few tries (bounded) until
 * one gets through, so no measurement starts on a cold path.
 */
function waitForPath(client: Namespace): void {
    for (let i = 0; i < 10; i++) {
        const result = client.attempt([python, tcpTool, "probe", net.client, net.public,
            String(net.port)], { timeoutMs: 20_000 });
        if (result.stdout?.trim() === "open") return;
    }
    throw new Error("the client cannot reach the published port even with no bans");
}

/**
 * The client's connection setup rate to the published port: sequential connect+close from one
 * process for `seconds`, in `windows` windows; the median window, so a burst of load from
 * elsewhere on the machine skews one window instead of the figure.
 */
export function connectRate(lab: BanLab, seconds: number, windows: number): number {
    const args = ["connect", net.public, String(net.port), String(seconds), String(windows)];
    const result = lab.client.attempt([python, tcpTool, ...args], {
        timeoutMs: seconds * 1000 + 30_000,
    });
    if (result.status !== 0) throw new Error(`connect loop failed: ${result.stderr}`);
    const { rates, failures } = JSON.parse(result.stdout) as { rates: number[]; failures: number };
    if (failures > 0) {
        throw new Error(`the legitimate client failed ${failures} connects: is it banned?`);
    }
    const sorted = [...rates].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Whether a connect from `source` (a banned address, put on the client for this) gets in. */
export function reachesFrom(lab: BanLab, source: string): boolean {
    lab.client.exec(["ip", "addr", "add", `${source}/128`, "dev", "v-srv", "nodad"]);
    try {
        const result = lab.client.exec([python, tcpTool, "probe", source, net.public,
            String(net.port)], { timeoutMs: 20_000 });
        return result.trim() === "open";
    } finally {
        lab.client.exec(["ip", "addr", "del", `${source}/128`, "dev", "v-srv"]);
    }
}
