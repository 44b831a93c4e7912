/**
 * Ban scale: how long 1,000, 10,000 and 50,000 bans take to apply, and how fast a legitimate
 * client still sets up connections to a Docker-published mail port while they are in place,
 * for mailfort's nftables-set action and for Fail2Ban's stock per-address `iptables-multiport`.
 * Bar: with 50,000 bans mailfort's client rate stays within 1.2x of its rate with no bans.
 *
 * Method, per action and size: the bans are loaded in one batch (`nft -f` with actionban's
 * `add element`; `ip6tables-restore --noflush` with actionban's `-I <chain> 1`), one of them is
 * tried from the client namespace and must be refused, the client's rate is measured, then a
 * sample goes through the real fail2ban-server (`fail2ban-client set <jail> banip`) and another
 * through the action's own ban command, one process per ban, to give the per-ban cost at that
 * size. Every (action, size) is measured in each of a few rounds and the median reported.
 * Needs root (network namespaces).
 */
import * as fs from "node:fs";
import { loadavg, tmpdir } from "node:os";
import * as path from "node:path";

import { requireRoot, requireTools, run as runTool } from "../test/support/system";
import type { TestServer } from "../test/fail2ban/server";
import { BanAction, mailfortAction, stockAction } from "./ban-scale/actions";
import { actionErrors, banThroughFail2ban, jails, startFail2ban } from "./ban-scale/fail2ban";
import { BanLab, buildLab, connectRate, net, reachesFrom } from "./ban-scale/network";
import { measureRestart, RestartFigures } from "./ban-scale/restart";
import { bar, Bar, BenchResult, Figure } from "./result";

const prefix = "mfbban";

interface Sizes {
    bans: number[];
    /** Bans timed one by one, through Fail2Ban and through the bare command, at each size. */
    sample: number;
    /** Length of each client measurement, split in `windows` windows (the median counts). */
    seconds: number;
    windows: number;
    /** Sweeps over every action and size; each figure is the median over them. */
    rounds: number;
}

function sizes(): Sizes {
    if (process.env.MAILFORT_BENCH_QUICK === "1") {
        return { bans: [200, 1_000, 2_000], sample: 10, seconds: 0.6, windows: 3, rounds: 2 };
    }
    return { bans: [1_000, 10_000, 50_000], sample: 100, seconds: 2, windows: 4, rounds: 5 };
}

/** The n-th banned address, in 2001:db8:bad::/48 (the client is 2001:db8:c::66). */
function bannedAddress(index: number): string {
    const hi = Math.floor(index / 60_000);
    return `2001:db8:bad:${hi.toString(16)}::${(index % 60_000 + 1).toString(16)}`;
}

/** Sample addresses, distinct per batch so Fail2Ban never sees an address it already bans. */
function sampleAddresses(batch: number, count: number): string[] {
    const hex = (value: number) => value.toString(16);
    return Array.from({ length: count }, (_, i) => `2001:db8:5a:${hex(batch)}::${hex(i + 1)}`);
}

/** One action at one size, over all rounds. */
interface Point {
    bans: number;
    applySeconds: number[];
    rates: number[];
    perBanFail2banMs: number[];
    perBanCommandMs: number[];
}

interface ActionRun {
    action: BanAction;
    /** The first point has no bans. */
    points: Point[];
}

export async function run(): Promise<BenchResult> {
    requireRoot();
    requireTools({
        nft: "nftables", iptables: "iptables", ip6tables: "iptables",
        "ip6tables-restore": "iptables", "fail2ban-server": "fail2ban",
        "fail2ban-client": "fail2ban", python3: "python3", ss: "iproute2",
    });
    const s = sizes();
    const loadBefore = loadavg();
    const dir = fs.mkdtempSync(path.join(tmpdir(), `${prefix}-`));
    let lab: BanLab | undefined;
    let server: TestServer | undefined;
    let confDir: string | undefined;
    try {
        // The listener outlives any bounded run of this benchmark, and is killed at the end.
        lab = buildLab(prefix, 900);
        ({ server, confDir } = await startFail2ban(lab.server, dir));
        const actions = [mailfortAction(lab.server, dir, confDir, jails.mailfort),
            stockAction(lab.server, dir, confDir, jails.stock)];
        const runs = sweep(lab, server, actions, s);
        const errors = actionErrors(server);
        if (errors.length > 0) throw new Error(`fail2ban logged errors:\n${errors.join("\n")}`);
        const largest = Array.from({ length: s.bans.at(-1) ?? 0 }, (_, i) => bannedAddress(i));
        const restart = await measureRestart(lab.server, server, actions[0]!, largest);
        server = restart.server;
        return report(s, runs, restart.figures, loadBefore);
    } finally {
        server?.stop();
        lab?.destroy();
        for (const folder of [dir, confDir]) {
            if (folder) fs.rmSync(folder, { recursive: true, force: true });
        }
    }
}

/**
 * Rounds of (action, size) in a fixed order, so a change in the machine's load while the
 * benchmark runs spreads over every figure instead of landing on one action or one size.
 */
function sweep(lab: BanLab, server: TestServer, actions: BanAction[], s: Sizes): ActionRun[] {
    const runs = actions.map((action, index) => {
        warm(server, action, index);
        const points = [0, ...s.bans].map((bans): Point => ({
            bans, applySeconds: [], rates: [], perBanFail2banMs: [], perBanCommandMs: [],
        }));
        return { action, points };
    });
    for (let round = 0; round < s.rounds; round++) {
        // Every other round runs backwards, so a drift in load cancels out instead of always
        // falling on the last action or the largest size.
        const order = <T>(list: T[]) => (round % 2 === 0 ? list : [...list].reverse());
        for (const [index, { action, points }] of order([...runs.entries()])) {
            for (const [size, point] of order([...points.entries()])) {
                measurePoint(lab, action, point, s, round === 0);
                const batch = round * 64 + index * 16 + size * 2;
                if (point.bans > 0) sample(server, action, point, s, batch);
                action.flush();
            }
        }
    }
    return runs;
}

/**
 * Fail2Ban starts an action's IPv6 half with its first IPv6 ban: one ban and unban leave the
 * empty set or chain in place, as on any host that has banned before.
 */
function warm(server: TestServer, action: BanAction, index: number): void {
    const address = sampleAddresses(0x100 + index, 1);
    banThroughFail2ban(server, action.jail, address);
    server.client(["set", action.jail, "unbanip", ...address]);
    expectCount(action, 0);
}

function measurePoint(lab: BanLab, action: BanAction, point: Point, s: Sizes, probe: boolean) {
    const addresses = Array.from({ length: point.bans }, (_, i) => bannedAddress(i));
    if (addresses.includes(net.client)) throw new Error("the client is among the bans");
    if (point.bans > 0) point.applySeconds.push(action.bulkLoad(addresses));
    expectCount(action, point.bans);
    // With no bans the probe must get in, or "refused under bans" would prove nothing.
    if (probe && reachesFrom(lab, bannedAddress(0)) !== (point.bans === 0)) {
        throw new Error(`${action.label} with ${point.bans} bans: the probe from a banned ` +
            "address was " + (point.bans === 0 ? "refused" : "let in"));
    }
    point.rates.push(connectRate(lab, s.seconds, s.windows));
}

/** Per-ban cost on top of the batch; fresh addresses each time, Fail2Ban skips known ones. */
function sample(server: TestServer, action: BanAction, point: Point, s: Sizes, batch: number) {
    const viaFail2ban = sampleAddresses(batch, s.sample);
    const fail2banSeconds = banThroughFail2ban(server, action.jail, viaFail2ban);
    point.perBanFail2banMs.push(fail2banSeconds * 1000 / s.sample);
    const viaCommand = sampleAddresses(batch + 1, s.sample);
    point.perBanCommandMs.push(action.commandSample(viaCommand) * 1000 / s.sample);
    expectCount(action, point.bans + 2 * s.sample);
}

function expectCount(action: BanAction, expected: number): void {
    const count = action.count();
    if (count !== expected) {
        throw new Error(`${action.label}: the kernel holds ${count} bans, expected ${expected}`);
    }
}

const loads = (values: number[]) => values.map((l) => l.toFixed(2)).join(" ");
const n = (value: number) => value.toLocaleString("en-US");
const round = (value: number, digits = 0) => Number(value.toFixed(digits));

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    if (sorted.length === 0) return Number.NaN;
    return sorted.length % 2 === 1
        ? sorted[middle] ?? Number.NaN
        : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function report(
    s: Sizes,
    runs: ActionRun[],
    restart: RestartFigures,
    loadBefore: number[],
): BenchResult {
    const figures: Figure[] = [];
    for (const { action, points } of runs) {
        for (const point of points) figures.push(...pointFigures(action, point));
    }
    figures.push(...restartFigures(restart));
    const [mailfort, stock] = runs as [ActionRun, ActionRun];
    const largest = s.bans[s.bans.length - 1] ?? 0;
    const rateAt = (r: ActionRun, index: number) => median(r.points.at(index)?.rates ?? []);
    for (const r of runs) {
        figures.push({ label: `client rate, 0 / ${n(largest)} bans, ${r.action.label}`,
            value: round(rateAt(r, 0) / rateAt(r, -1), 3), unit: "x" });
    }
    figures.push({ label: `client rate at ${n(largest)} bans, mailfort / stock`,
        value: round(rateAt(mailfort, -1) / rateAt(stock, -1), 3), unit: "x" });
    const slowdown = rateAt(mailfort, 0) / rateAt(mailfort, -1);
    const bars: Bar[] = [bar(`with ${n(largest)} bans mailfort's client rate stays within 1.2x ` +
        "of its rate with no bans (rate0 / rate)", slowdown, 1.2, slowdown <= 1.2)];
    return { name: "ban-scale", figures, bars, notes: notes(s, runs, loadBefore) };
}

function restartFigures(restart: RestartFigures): Figure[] {
    const size = n(restart.bans);
    return [
        { label: `after a restart, ${size} bans back in the set (mailfort's load at start)`,
            value: round(restart.loadSeconds, 2), unit: "s" },
        { label: "after a restart, Fail2Ban's own restore, one actionban per ban",
            value: round(restart.restorePerSecond), unit: "bans/s" },
        { label: `after a restart, ${size} bans by Fail2Ban's own restore alone (at that rate)`,
            value: round(restart.bans / restart.restorePerSecond), unit: "s" },
    ];
}

function pointFigures(action: BanAction, point: Point): Figure[] {
    const size = n(point.bans);
    const rate: Figure = { label: `client connects/s, ${size} bans, ${action.label}`,
        value: round(median(point.rates)), unit: "conn/s" };
    if (point.bans === 0) return [rate];
    return [
        { label: `apply ${size} bans in one batch (${action.batchTool}), ${action.label}`,
            value: round(median(point.applySeconds), 3), unit: "s" },
        rate,
        { label: `per ban via fail2ban-client banip at ${size} bans, ${action.label}`,
            value: round(median(point.perBanFail2banMs), 2), unit: "ms" },
        { label: `per ban via the action's command at ${size} bans, ${action.label}`,
            value: round(median(point.perBanCommandMs), 2), unit: "ms" },
    ];
}

function notes(s: Sizes, runs: ActionRun[], loadBefore: number[]): string[] {
    const largest = s.bans[s.bans.length - 1] ?? 0;
    const oneByOne = runs.map(({ action, points }) => {
        const perBan = median(points.at(-1)?.perBanFail2banMs ?? []);
        return `${action.label} ~${round((perBan * largest) / 1000)} s`;
    });
    const iptables = runTool("ip6tables", ["--version"]).trim();
    return [
        `Sizes ${s.bans.map(n).join(", ")} bans, all IPv6 in 2001:db8:bad::/48; the client ` +
            `(${net.client}) connects over IPv6 to [${net.public}]:${net.port}, DNATed like ` +
            "Docker to a listener in a container namespace, so every client packet meets the " +
            "whole IPv6 ban set or chain (an IPv4 client would never consult IPv6 bans).",
        "mailfort: the rendered postfix jail with action.d/mailfort-nftables.conf (set " +
            "f2b-mailfort-ip6 in table inet mailfort-f2b, chain at prerouting priority -110). " +
            "stock: the same jail with iptables-multiport[chain=DOCKER-USER], the chain FORWARD " +
            "jumps to first, where rules see the published port (INPUT never does); its ports " +
            "match after DNAT, which works here because the port is published as 25:25.",
        "Apply: one batch from empty (nft -f with actionban's add element; " +
            "ip6tables-restore --noflush with actionban's -I <chain> 1). Per ban, each round: " +
            `${s.sample} bans through a real fail2ban-server (fail2ban-client set <jail> ` +
            "banip, which runs the action before it returns), then as many as the action's " +
            "own command, one process each, on top of the batch.",
        `Client rate: one Python process doing sequential connect+close (RST) for ${s.seconds} ` +
            `s in ${s.windows} windows, median window. ${s.rounds} rounds over every action and ` +
            "size in turn, every other round backwards; each figure is the median round (apply " +
            "and per-ban times too). In the first round a banned address is tried from the " +
            "client namespace and must be refused.",
        "Fail2Ban restores bans from its database at start one ticket at a time; " +
            `${n(largest)} bans at the sampled per-ban cost would take roughly ` +
            `${oneByOne.join(", ")}. mailfort's action loads them all at actionstart instead. ` +
            `Restart: the database filled with ${n(largest)} current bans of the mailfort jail ` +
            "(rows inserted directly), the server restarted on it; timed from the start to " +
            "the set holding every ban, and Fail2Ban's own restore rate from its Restore Ban " +
            "lines over the 5 s after that.",
        `${iptables}; load average before ${loads(loadBefore)}, after ${loads(loadavg())}.`,
    ];
}
