/**
 * Test hosts as Linux network namespaces joined by veth pairs. Every namespace and process a test
 * makes is recorded in a `Lab` and removed by `lab.destroy()`, which tests call from `afterAll`
 * (and which also runs on a failed setup). Only documentation addresses are used.
 */
import { ChildProcess, spawn } from "node:child_process";

import { attempt, requireRoot, requireTools, run } from "./system";

export interface Namespace {
    name: string;
    /** Runs a command inside the namespace, throwing on failure. */
    exec(args: string[], options?: { input?: string; timeoutMs?: number }): string;
    /** Runs a command inside the namespace and returns its status and output. */
    attempt(
        args: string[],
        options?: { input?: string; timeoutMs?: number },
    ): ReturnType<typeof attempt>;
    /** Starts a long-running process inside the namespace; the lab stops it on destroy. */
    start(args: string[]): ChildProcess;
}

export class Lab {
    private readonly namespaces: string[] = [];
    private readonly processes: ChildProcess[] = [];

    /** @param prefix Distinguishes this test file's namespaces from any other's. */
    constructor(private readonly prefix: string) {
        requireRoot();
        requireTools({ ip: "iproute2" });
        // A previous run killed mid-test may have left namespaces behind.
        for (const name of run("ip", ["netns", "list"]).split("\n")) {
            const ns = name.split(" ")[0] ?? "";
            if (ns.startsWith(`${prefix}-`)) attempt("ip", ["netns", "del", ns]);
        }
    }

    namespace(role: string): Namespace {
        const name = `${this.prefix}-${role}`;
        run("ip", ["netns", "add", name]);
        this.namespaces.push(name);
        run("ip", ["-n", name, "link", "set", "lo", "up"]);
        const inNs = (args: string[]) => ["netns", "exec", name, ...args];
        return {
            name,
            exec: (args, options) => run("ip", inNs(args), options),
            attempt: (args, options) => attempt("ip", inNs(args), options),
            start: (args) => {
                const child = spawn("ip", inNs(args), { stdio: ["ignore", "pipe", "pipe"] });
                this.processes.push(child);
                return child;
            },
        };
    }

    /**
     * Joins two namespaces with a veth pair and gives each end its addresses, e.g.
     * `["192.0.2.1/24", "2001:db8:1::1/64"]`.
     */
    link(
        a: Namespace,
        aAddresses: string[],
        b: Namespace,
        bAddresses: string[],
    ): { a: string; b: string } {
        const ifA = `v-${b.name.split("-").pop()}`.slice(0, 15);
        const ifB = `v-${a.name.split("-").pop()}`.slice(0, 15);
        run("ip", ["link", "add", "mfx-tmp-a", "type", "veth", "peer", "name", "mfx-tmp-b"]);
        run("ip", ["link", "set", "mfx-tmp-a", "netns", a.name]);
        run("ip", ["link", "set", "mfx-tmp-b", "netns", b.name]);
        run("ip", ["-n", a.name, "link", "set", "mfx-tmp-a", "name", ifA]);
        run("ip", ["-n", b.name, "link", "set", "mfx-tmp-b", "name", ifB]);
        for (const [ns, ifName, addresses] of [
            [a, ifA, aAddresses],
            [b, ifB, bAddresses],
        ] as const) {
            for (const address of addresses) {
                // nodad: IPv6 addresses are usable at once instead of after duplicate detection.
                const extra = address.includes(":") ? ["nodad"] : [];
                run("ip", ["-n", ns.name, "addr", "add", address, "dev", ifName, ...extra]);
            }
            run("ip", ["-n", ns.name, "link", "set", ifName, "up"]);
        }
        waitUntilSettled([[a.name, ifA], [b.name, ifB]]);
        return { a: ifA, b: ifB };
    }

    /** Stops every process and deletes every namespace; safe to call more than once. */
    destroy(): void {
        for (const child of this.processes.splice(0)) {
            if (child.exitCode === null) child.kill("SIGKILL");
        }
        for (const name of this.namespaces.splice(0).reverse()) {
            // Killing leftovers first: a namespace with live processes lingers after `del`.
            attempt("ip", ["netns", "pids", name])
                .stdout?.split("\n")
                .filter(Boolean)
                .forEach((pid) => attempt("kill", ["-9", pid]));
            attempt("ip", ["netns", "del", name]);
        }
    }
}

/**
 * Waits (5 s at most) until no IPv6 address on the links is still tentative: the link-local
 * address goes through duplicate detection even when ours skip it, and until it is done the
 * first IPv6 connection of a test may fail.
 */
function waitUntilSettled(links: [string, string][]): void {
    const deadline = Date.now() + 5_000;
    const tentative = () =>
        links.some(([ns, ifName]) =>
            run("ip", ["-n", ns, "-6", "addr", "show", "dev", ifName, "tentative"]).trim() !== "");
    while (tentative()) {
        if (Date.now() > deadline) throw new Error("IPv6 addresses still tentative after 5 s");
        attempt("sleep", ["0.1"]);
    }
}
