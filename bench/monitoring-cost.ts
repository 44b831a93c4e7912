/**
 * Monitoring cost: one `mailfort-monitor run` after 1 MiB of fresh lines was appended to a
 * mail.log of 1 MiB, 100 MiB and 1 GiB in total, against naive scans that count over the whole
 * file each time. Bar: the 1 GiB run within 1.5x of the 1 MiB run (the cost follows what was
 * appended, not the log's size).
 *
 * The run is the real script in a temporary root (test/monitoring/harness.ts), with the Docker
 * stand-in answering for the containers and alerts going to the stand-in's sendmail, so nothing
 * leaves this machine.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, closeSync, openSync, rmSync, statfsSync } from "node:fs";
import { statSync, truncateSync, writeSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";

import { MonitorBox } from "../test/monitoring/harness";
import { addCounts, Counts, Generated, generateLog, noCounts } from "./monitoring-cost/maillog";
import {
    expectCounted,
    expectOffset,
    Measured,
    monitorRun,
    naiveAwk,
    naiveGrep,
    openBox,
} from "./monitoring-cost/scans";
import { bar, BenchResult, Figure } from "./result";

const MiB = 1024 * 1024;
const quick = Boolean(process.env.MAILFORT_BENCH_QUICK);
/** Total log sizes in MiB after the append; the issue names 1 MB, 100 MB and 1 GB. */
const totalsMiB = (process.env.MAILFORT_BENCH_MONITOR_MIB ?? (quick ? "1,8,32" : "1,100,1024"))
    .split(",")
    .map(Number);
/**
 * Monitoring runs take well under a second and vary with whatever else the machine does, so there
 * are more of them; a naive scan of 1 GiB takes 10-25 s, so three.
 */
const runRepetitions = Number(process.env.MAILFORT_BENCH_MONITOR_RUNS ?? (quick ? 1 : 11));
const scanRepetitions = Number(process.env.MAILFORT_BENCH_REPEAT ?? (quick ? 1 : 3));
const blockSeed = 1000;

interface Size {
    totalMiB: number;
    box: MonitorBox;
    base: { bytes: number; counts: Counts };
    /** What the log holds after the last append: the naive scans must count all of it. */
    total: { bytes: number; counts: Counts };
    runs: Array<{ idle: Measured; run: Measured }>;
    scans: Array<{ awk: Measured; grep: Measured }>;
}

export async function run(): Promise<BenchResult> {
    if (totalsMiB.some((n) => !Number.isInteger(n) || n < 1) || totalsMiB.length < 2) {
        throw new Error(
            "MAILFORT_BENCH_MONITOR_MIB must list two or more whole MiB sizes >= 1, " +
                `got "${process.env.MAILFORT_BENCH_MONITOR_MIB}"`,
        );
    }
    requireSpace(totalsMiB.reduce((sum, n) => sum + n, 0) * MiB);
    const loadBefore = loadText();
    const sizes: Size[] = [];
    try {
        const block = generateLog(blockSeed, MiB);
        for (const totalMiB of totalsMiB) {
            const empty = { bytes: 0, counts: noCounts() };
            const size: Size = {
                totalMiB,
                box: openBox(),
                base: empty,
                total: empty,
                runs: [],
                scans: [],
            };
            // Listed before the log is written, so `finally` removes it whatever happens next.
            sizes.push(size);
            size.base = writeBase(size.box.mailLog, (totalMiB - 1) * MiB, block);
        }
        // Unmeasured runs first, so no size pays for cold caches (bash, awk, the Python start-up
        // of fail2ban-client).
        for (const size of sizes) for (let i = 0; i < 2; i++) monitorRun(size.box);

        // Sizes interleaved, in a rotating order, so a change in the machine's load during the
        // benchmark falls on every size alike; the long naive scans come after all the runs.
        for (let rep = 0; rep < runRepetitions; rep++) {
            const chunk = generateLog(rep + 1, MiB);
            for (let i = 0; i < sizes.length; i++)
                measureRun(sizes[(i + rep) % sizes.length]!, chunk);
        }
        for (let rep = 0; rep < scanRepetitions; rep++) {
            for (let i = 0; i < sizes.length; i++) measureScans(sizes[(i + rep) % sizes.length]!);
        }
        return report(sizes, loadBefore);
    } finally {
        for (const size of sizes) size.box.destroy();
    }
}

function requireSpace(bytes: number): void {
    const fs = statfsSync(tmpdir());
    const free = fs.bavail * fs.bsize;
    if (free < bytes + 256 * MiB) {
        const needed = Math.ceil(bytes / MiB) + 256;
        throw new Error(
            `the monitoring benchmark needs ${needed} MiB free in ${tmpdir()} ` +
                `(set TMPDIR to another folder); ${Math.floor(free / MiB)} MiB free`,
        );
    }
}

/**
 * Writes the log (same inode) as repeats of one generated block cut at a line end: the history
 * that was there before the run, read by nobody but the naive scans.
 */
function writeBase(file: string, bytes: number, block: Generated): Size["base"] {
    const data = Buffer.from(block.text);
    const whole = Math.floor(bytes / data.length);
    const rest = generateLog(blockSeed, bytes - whole * data.length);
    const fd = openSync(file, "w");
    try {
        for (let i = 0; i < whole; i++) writeSync(fd, data);
        writeSync(fd, rest.text);
    } finally {
        closeSync(fd);
    }
    // Dirty pages written back during a measured run would be charged to it.
    spawnSync("sync", [file], { stdio: "ignore" });
    return {
        bytes: whole * data.length + rest.bytes,
        counts: addCounts(rest.counts, block.counts, whole),
    };
}

/** Warm-up run to set the offset at the end of the history, append the chunk, time the run. */
function measureRun(size: Size, chunk: Generated): void {
    const { box, base } = size;
    truncateSync(box.mailLog, base.bytes);
    // A fresh state each time, so every measured run sends the same first alerts.
    rmSync(join(box.root, "state"), { recursive: true, force: true });
    rmSync(box.securityLog, { force: true });
    const idle = monitorRun(box);
    expectOffset(box, base.bytes);

    appendFileSync(box.mailLog, chunk.text);
    const run = monitorRun(box);
    expectCounted(box, chunk.counts);
    size.runs.push({ idle, run });
    size.total = {
        bytes: statSync(box.mailLog).size,
        counts: addCounts(base.counts, chunk.counts),
    };
}

function measureScans(size: Size): void {
    const awk = naiveAwk(size.box.mailLog, size.total.counts);
    const grep = naiveGrep(size.box.mailLog, size.total.counts);
    size.scans.push({ awk, grep });
}

function sizeName(totalMiB: number): string {
    const gib = totalMiB / 1024;
    return Number.isInteger(gib) ? `${gib} GiB` : `${totalMiB} MiB`;
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    const low = sorted[sorted.length % 2 ? middle : middle - 1]!;
    return Math.round((low + sorted[middle]!) / 2);
}

/** The median figures of one size. */
function figuresOf(size: Size) {
    return {
        runWall: median(size.runs.map((r) => r.run.wallMs)),
        runCpu: median(size.runs.map((r) => r.run.cpuMs)),
        runFastest: Math.round(Math.min(...size.runs.map((r) => r.run.wallMs))),
        idleWall: median(size.runs.map((r) => r.idle.wallMs)),
        reading: median(size.runs.map((r) => r.run.wallMs - r.idle.wallMs)),
        awkWall: median(size.scans.map((s) => s.awk.wallMs)),
        grepWall: median(size.scans.map((s) => s.grep.wallMs)),
    };
}

function report(sizes: Size[], loadBefore: string): BenchResult {
    const all = sizes.map(figuresOf);
    const figures: Figure[] = sizes.flatMap((size, i) => {
        const name = sizeName(size.totalMiB);
        const f = all[i]!;
        return [
            { label: `mailfort-monitor run (+1 MiB), ${name} log: wall time`, value: f.runWall },
            { label: `mailfort-monitor run (+1 MiB), ${name} log: CPU time`, value: f.runCpu },
            { label: `naive awk scan, whole ${name} log: wall time`, value: f.awkWall },
            { label: `naive grep -c, whole ${name} log: wall time`, value: f.grepWall },
        ].map((figure) => ({ ...figure, unit: "ms" }));
    });
    const small = all[0]!;
    const large = all[all.length - 1]!;
    const [smallName, largeName] = [sizes[0]!, sizes[sizes.length - 1]!].map((s) =>
        sizeName(s.totalMiB),
    );
    const versus = `${largeName} vs ${smallName} log`;
    const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
    const wallRatio = ratio(large.runWall, small.runWall);
    figures.push(
        { label: `mailfort-monitor run, ${versus}: wall time`, value: wallRatio, unit: "x" },
        {
            label: `mailfort-monitor run, ${versus}: CPU time`,
            value: ratio(large.runCpu, small.runCpu),
            unit: "x",
        },
        {
            label: `naive awk scan, ${versus}: wall time`,
            value: ratio(large.awkWall, small.awkWall),
            unit: "x",
        },
    );
    return {
        name: "monitoring cost",
        figures,
        bars: [
            bar(
                `one monitoring run on a ${largeName} mail.log within 1.5x of one on a ` +
                    `${smallName} mail.log (1 MiB appended to each)`,
                wallRatio,
                1.5,
                wallRatio <= 1.5,
            ),
        ],
        notes: notes(sizes, all, loadBefore),
    };
}

function notes(sizes: Size[], all: ReturnType<typeof figuresOf>[], loadBefore: string): string[] {
    const mawk = spawnSync("awk", ["-W", "version"], { encoding: "utf8" }).stdout.split("\n")[0];
    const chunkBytes = generateLog(1, MiB).bytes;
    const perSize = (pick: (f: ReturnType<typeof figuresOf>) => number) =>
        all.map((f) => `${pick(f)} ms`).join(", ");
    return [
        `monitoring runs: median of ${runRepetitions} per size (fastest: ` +
            `${perSize((f) => f.runFastest)}), naive scans: median of ${scanRepetitions}; ` +
            "sizes interleaved; log totals " +
            sizes.map((s) => `${s.total.bytes} bytes`).join(", ") +
            `; each appended chunk ${chunkBytes} bytes of whole lines (~8,200 Postfix/Dovecot ` +
            "lines, about a fifth hostile; legitimate clients in 198.51.100.0/24, hostile ones " +
            "from 32 addresses each in 203.0.113.0/24 and 192.0.2.0/24 and 4,096 in " +
            "2001:db8::/32)",
        "history before the append: one generated 1 MiB block repeated, cut at a line end; per " +
            "repetition the log is cut back to it, the state removed, a warm-up run records the " +
            "offset at its end (checked), a fresh chunk is appended and the next run timed; " +
            "that run must count exactly the chunk's lines (checked against the generator)",
        "mailfort-monitor run: the whole periodic run (every check, the first alerts of a fresh " +
            "state to the Docker stand-in's sendmail, fail2ban-client on an absent socket), so " +
            "it carries a fixed cost: the warm-up run, with nothing to read, took " +
            `${perSize((f) => f.idleWall)}; the measured run less its warm-up (reading 1 MiB, ` +
            `first alerts): ${perSize((f) => f.reading)}; CPU time is that of bash and every ` +
            "process it started (bash `times`)",
        "naive awk scan: mailfort-monitor's own parse_logs awk program (cut out of the script) " +
            "over the whole file, i.e. the same counting without the incremental offset and " +
            "without the other checks' fixed cost; naive grep -c: `LC_ALL=C grep -c -F 'SASL " +
            "LOGIN authentication failed'` over the whole file, one pattern only, the cheapest " +
            "whole-file scan there is; both counted what the generator wrote (checked)",
        "every log was in the page cache (written just before, then synced), which favours the " +
            "naive scans: from disk they read the whole file, the run only the appended bytes",
        `${cpus().length} CPU(s), ${mawk}; load average before ${loadBefore}, ` +
            `after ${loadText()}`,
    ];
}

function loadText(): string {
    return loadavg()
        .map((n) => n.toFixed(2))
        .join(" ");
}
