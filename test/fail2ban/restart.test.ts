/**
 * Bans survive a Fail2Ban restart, as root in a network namespace: a real fail2ban-server with
 * mailfort's rendered jails bans documentation addresses, stops (its ban action removes the
 * nftables sets), and starts again on the same database, with a shorter ban time and a wider
 * allow-list than before: what comes back must be exactly what Fail2Ban itself restores.
 *
 * Fail2Ban restores a ban one actionban at a time; mailfort's actionstart loads them all from the
 * database first. The second restart proves that load on its own: its actionban is made a no-op,
 * so whatever is in the set came from actionstart.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { renderJailLocal } from "../../components/fail2ban";
import { jailsFor } from "../../components/fail2ban/jails";
import { Lab, Namespace } from "../support/netns";
import { requireTools, run } from "../support/system";
import { stack } from "./fixture";
import { prepareServer, startServer, TestServer, waitFor } from "./server";

const jail = "postfix";
const banSeconds = 3600;
/** The ban time and allow-list of the restarted server, which has no bantime.increment. */
const restarted = { banSeconds: 1800, trusted: "203.0.113.64/26" };
/** 300 IPv4 and 100 IPv6 documentation addresses. */
const banned4 = [
    ...range(1, 200).map((i) => `198.51.100.${i}`),
    ...range(1, 100).map((i) => `203.0.113.${i}`),
];
const banned6 = range(1, 100).map((i) => `2001:db8:bad::${i.toString(16)}`);
/** Unbanned by hand before the restart: it must stay unbanned. */
const forgiven = "198.51.100.7";
/** Its ban is made to have run out while the server was down: it must not come back. */
const expired = "203.0.113.9";
/** 1,600 s left of its first ban time, none of the restarted server's: it must not come back. */
const cappedOut = "203.0.113.10";
/** Allow-listed by the restarted server (203.0.113.64/26): must not come back. */
const trusted = banned4.filter((a) => Number(a.split(".")[3]) >= 64 && a.startsWith("203."));
const expected4 = banned4
    .filter((a) => ![forgiven, expired, cappedOut, ...trusted].includes(a))
    .sort();

describe("fail2ban restart", () => {
    let lab: Lab | undefined;
    let ns: Namespace;
    let prepared: ReturnType<typeof prepareServer> | undefined;
    let server: TestServer | undefined;

    beforeAll(async () => {
        requireTools({
            "fail2ban-server": "fail2ban", "fail2ban-client": "fail2ban", nft: "nftables",
            python3: "python3",
        });
        lab = new Lab("mff2br");
        try {
            ns = lab.namespace("server");
            const config = stack({ fail2ban: { bantime: `${banSeconds}s` } });
            prepared = prepareServer(config.hosts[0]!, config, "mff2b-restart");
            for (const file of Object.values(prepared.paths)) {
                fs.mkdirSync(path.dirname(file), { recursive: true });
                fs.writeFileSync(file, "");
            }
            server = await startServer(ns, prepared, {});
        } catch (error) {
            lab.destroy();
            lab = undefined;
            throw error;
        }
    });

    afterAll(() => {
        server?.stop();
        lab?.destroy();
        for (const dir of [prepared?.dir, prepared?.confDir]) {
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("bans, unbans one address, and stops with the sets removed", async () => {
        const live = must(server);
        live.client(["set", jail, "banip", ...banned4, ...banned6]);
        live.client(["set", jail, "unbanip", forgiven]);
        await waitFor("the bans in the sets", 60_000, () =>
            elements(ns, "ip4").length === banned4.length - 1 &&
            elements(ns, "ip6").length === banned6.length, live);
        await stop(live);
        expect(setExists(ns, "ip4")).toBe(false);
    }, 120_000);

    it("brings every current ban back after a restart, and no other", async () => {
        const ready = must(prepared);
        ageInDatabase(ready, expired, 2 * banSeconds);
        ageInDatabase(ready, cappedOut, 2000);
        const config = stack({
            // Without bantime.increment, the jail's ban time caps every restored ban.
            fail2ban: { bantime: `${restarted.banSeconds}s`, increment: { enabled: false } },
            trustedNetworks: [restarted.trusted],
        });
        const jails = jailsFor(config, 22, ready.paths);
        fs.writeFileSync(path.join(ready.confDir, "jail.local"), renderJailLocal(config, jails));
        const started = Date.now();
        const live = (server = await startServer(ns, ready, {}));
        await waitFor("Fail2Ban's restore", 60_000, () =>
            live.banned(jail).length === expected4.length + banned6.length, live);
        console.log(`restore of ${expected4.length + banned6.length} bans through actionban: ` +
            `${((Date.now() - started) / 1000).toFixed(1)} s`);
        expect(addresses(elements(ns, "ip4"))).toEqual(expected4);
        expect(addresses(elements(ns, "ip6"))).toEqual([...banned6].sort());
        const errors = live.log().split("\n").filter((line) => / ERROR /.test(line));
        expect(errors).toEqual([]);
        await stop(live);
    }, 120_000);

    it("loads the bans at actionstart, each with the time it has left", async () => {
        const ready = must(prepared);
        // From here on actionban does nothing: only actionstart's load can fill the sets.
        fs.appendFileSync(path.join(ready.confDir, "action.d", "mailfort-nftables.local"),
            "[Definition]\nactionban = true\n");
        const live = (server = await startServer(ns, ready, {}));
        await waitFor("the IPv4 set", 30_000, () => elements(ns, "ip4").length > 0, live);
        await waitFor("the IPv6 set", 30_000, () => elements(ns, "ip6").length > 0, live);
        const loaded4 = elements(ns, "ip4");
        expect(addresses(loaded4)).toEqual(expected4);
        expect(addresses(elements(ns, "ip6"))).toEqual([...banned6].sort());
        for (const element of loaded4) {
            expect(element.timeout).toBeGreaterThan(restarted.banSeconds - 300);
            expect(element.timeout).toBeLessThanOrEqual(restarted.banSeconds);
        }
    }, 120_000);
});

interface Element {
    address: string;
    /** Seconds the element was given, from `timeout` in the listing. */
    timeout: number;
}

/** The elements of the jail's set for one family; none when the set does not exist. */
function elements(ns: Namespace, family: "ip4" | "ip6"): Element[] {
    const listing = ns.attempt(["nft", "-j", "list", "set", "inet", "mailfort-f2b",
        `f2b-${jail}-${family}`]);
    if (listing.status !== 0) return [];
    const parsed = JSON.parse(listing.stdout) as { nftables: { set?: { elem?: unknown[] } }[] };
    const elem = parsed.nftables.find((entry) => entry.set)?.set?.elem ?? [];
    return elem.map((entry) => {
        const e = (entry as { elem: { val: string; timeout: number } }).elem;
        return { address: e.val, timeout: e.timeout };
    });
}

function setExists(ns: Namespace, family: "ip4" | "ip6"): boolean {
    const args = ["nft", "list", "set", "inet", "mailfort-f2b", `f2b-${jail}-${family}`];
    return ns.attempt(args).status === 0;
}

function addresses(list: Element[]): string[] {
    return list.map((e) => e.address).sort();
}

async function stop(live: TestServer): Promise<void> {
    live.stop();
    const pidfile = path.join(live.dir, "fail2ban.pid");
    await waitFor("fail2ban-server to exit", 30_000, () => !fs.existsSync(pidfile), live);
}

/** Moves one ban back in time in Fail2Ban's database, as if the server had been down that long. */
function ageInDatabase(ready: { dir: string }, address: string, seconds: number): void {
    const db = path.join(ready.dir, "fail2ban.sqlite3");
    const script = [
        "import sqlite3, sys",
        "db = sqlite3.connect(sys.argv[1])",
        "n = db.execute('UPDATE bips SET timeofban = timeofban - ? WHERE ip = ?',",
        "    (int(sys.argv[3]), sys.argv[2])).rowcount",
        "db.commit()",
        "sys.exit(0 if n == 1 else 1)",
    ].join("\n");
    run("python3", ["-c", script, db, address, String(seconds)]);
}

function range(first: number, last: number): number[] {
    return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

function must<T>(value: T | undefined): T {
    if (value === undefined) throw new Error("setup failed; see the first error");
    return value;
}
