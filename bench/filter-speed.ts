/**
 * Filter speed: lines per second of each mailfort filter and of the upstream postfix filter in
 * the mode the postfix jail runs it, over the same generated mail.log (1,000,000 lines, honest
 * and hostile traffic mixed); and the slowest crafted adversarial line per filter. Bars: every
 * mailfort filter at least 0.8x the upstream filter's rate; no crafted line over 50 ms.
 *
 * Two measurements of the same filters over the same file, one after another (two cores):
 *   - Fail2Ban's Filter engine in one Python process (bench/filter-speed/engine.py), timing
 *     Filter.processLine per line, the server's own per-line work, with the log fed in chunks
 *     to every filter in turn so a change in machine load weighs on all of them alike;
 *   - the real `fail2ban-regex` over the whole file, its start-up (the same command on an
 *     empty log, fastest of three) subtracted from its wall and CPU time.
 * Ratios and bars compare CPU time, which other processes on the machine do not inflate; the
 * lines/s figures are wall time. The engine runs every filter; fail2ban-regex runs the upstream filter and the slowest
 * mailfort filter always, the others while the time budget allows (each is ~20 s per 1M lines).
 */
import * as fs from "node:fs";
import { cpus, loadavg } from "node:os";
import * as path from "node:path";

import { jailsFor } from "../components/fail2ban/jails";
import { stageConfDir } from "../test/fail2ban/harness";
import { exampleConfig } from "../test/support/stack";
import { craftedLines } from "./filter-speed/crafted";
import { GeneratedLog, writeMailLog } from "./filter-speed/maillog";
import {
    EngineRate,
    engineLines,
    engineRates,
    fail2banPython,
    fail2banRegex,
    fastest,
    RegexRun,
} from "./filter-speed/runners";
import { bar, Bar, BenchResult, Figure } from "./result";

const quick = Boolean(process.env.MAILFORT_BENCH_QUICK);
/** Lines in the generated log; the issue asks for at least 1,000,000. */
const logLines = Number(process.env.MAILFORT_BENCH_FILTER_LINES ?? (quick ? 20_000 : 1_000_000));
/** After this many seconds no further optional fail2ban-regex run is started. */
const budgetSeconds = Number(process.env.MAILFORT_BENCH_FILTER_BUDGET ?? (quick ? 40 : 420));
/** Disconnect reasons in the line that makes the stock 1.0.2 dovecot filter backtrack. */
const bombSegments = quick ? 16 : 22;
const rateBar = 0.8;
const lineBarMs = 50;

/** The filters the mail-log jails run, with the options each jail passes. */
interface MailFilters {
    /** The upstream filter in the postfix jail's mode, `postfix[mode=extra]`. */
    upstream: string;
    custom: string[];
    /** Other upstream filters measured for comparison (the stock dovecot filter). */
    others: string[];
}

function mailFilters(): MailFilters {
    const jails = jailsFor(exampleConfig(), 22).filter((jail) => jail.containerLog);
    const upstream = jails.find((jail) => jail.name === "postfix")?.filter;
    if (!upstream) throw new Error("jailsFor has no postfix jail to compare against");
    const custom = jails.map((j) => j.filter).filter((spec) => spec.startsWith("mailfort-"));
    const others = jails
        .map((j) => j.filter)
        .filter((spec) => !spec.startsWith("mailfort-") && spec !== upstream);
    // The stock filter mailfort-dovecot replaces, in the same mode.
    const dovecot = custom.find((spec) => spec.startsWith("mailfort-dovecot"));
    if (dovecot) others.push(dovecot.replace(/^mailfort-/, ""));
    return { upstream, custom, others };
}

export async function run(): Promise<BenchResult> {
    const started = Date.now();
    const elapsed = () => (Date.now() - started) / 1000;
    const loadBefore = loadavg();
    const python = fail2banPython();
    const filters = mailFilters();
    const confDir = stageConfDir("mailfort-bench-filter");
    try {
        const log = path.join(confDir, "mail.log");
        const generated = writeMailLog(log, logLines);
        const generatedSeconds = elapsed();

        const crafted = craftedLines();
        const mailSpecs = [
            filters.upstream,
            ...filters.custom,
            ...filters.others.filter((spec) => !spec.startsWith("dovecot")),
        ];
        const perLine = engineLines(python, confDir, crafted, mailSpecs, 3, 120_000);
        const bomb = `Dec  3 18:00:00 mail dovecot: imap-login: Disconnected${": a".repeat(
            bombSegments,
        )} rip=192.0.2.1`;
        const bombRuns = engineLines(
            python,
            confDir,
            [bomb],
            [
                ...filters.others.filter((spec) => spec.startsWith("dovecot")),
                ...filters.custom.filter((spec) => spec.startsWith("mailfort-dovecot")),
            ],
            1,
            120_000,
        );

        const rates = engineRates(
            python,
            confDir,
            log,
            [filters.upstream, ...filters.custom, ...filters.others],
            600_000,
        );

        const regex = regexRates(confDir, log, filters, rates, elapsed);

        return {
            name: "filter-speed",
            figures: [
                ...rates.map(
                    (r): Figure => ({
                        label: `lines/s ${r.spec}, Fail2Ban engine`,
                        value: Math.round(r.lines / r.seconds),
                        unit: "lines/s",
                    }),
                ),
                ...[...regex].map(
                    ([spec, r]): Figure => ({
                        label: `lines/s ${spec}, fail2ban-regex minus start-up`,
                        value: Math.round(r.full.lines / netSeconds(r)),
                        unit: "lines/s",
                    }),
                ),
                ...ratioFigures(filters, rates, regex),
                ...perLine.map(
                    (p): Figure => ({
                        label: `slowest of ${p.lines} crafted lines, ${p.spec}`,
                        value: round(p.maxMs, 3),
                        unit: "ms",
                    }),
                ),
                ...bombRuns.map(
                    (b): Figure => ({
                        label: `one ${bombSegments}-reason Dovecot disconnect line, ${b.spec}`,
                        value: round(b.maxMs, 3),
                        unit: "ms",
                    }),
                ),
            ],
            bars: bars(
                filters,
                rates,
                regex,
                perLine.map((p) => p.maxMs),
            ),
            notes: notes({
                generated,
                generatedSeconds,
                crafted: crafted.length,
                rates,
                regex,
                perLine,
                filters,
                loadBefore,
                seconds: elapsed(),
            }),
        };
    } finally {
        fs.rmSync(confDir, { recursive: true, force: true });
    }
}

/** One filter through fail2ban-regex: the whole log and an empty log (start-up). */
interface RegexRate {
    full: RegexRun;
    empty: RegexRun;
}

function netSeconds(r: RegexRate): number {
    return Math.max(r.full.wallSeconds - r.empty.wallSeconds, 1e-6);
}

function netCpuSeconds(r: RegexRate): number {
    return Math.max(r.full.cpuSeconds - r.empty.cpuSeconds, 1e-6);
}

/**
 * fail2ban-regex for the upstream filter and the mailfort filter the engine found slowest, then
 * for the other mailfort filters while the last run's duration still fits the budget.
 */
function regexRates(
    confDir: string,
    log: string,
    filters: MailFilters,
    rates: EngineRate[],
    elapsed: () => number,
): Map<string, RegexRate> {
    const empty = path.join(confDir, "empty.log");
    fs.writeFileSync(empty, "");
    const speed = (spec: string) => cpuRate(rates, spec);
    const custom = [...filters.custom].sort((a, b) => speed(a) - speed(b));
    const out = new Map<string, RegexRate>();
    let last = 0;
    for (const [index, spec] of [filters.upstream, ...custom].entries()) {
        if (index >= 2 && elapsed() + last > budgetSeconds) break;
        const before = elapsed();
        out.set(spec, {
            empty: fastest(3, () => fail2banRegex(confDir, empty, spec, 60_000)),
            full: fail2banRegex(confDir, log, spec, 600_000),
        });
        last = elapsed() - before;
    }
    return out;
}

function engineRate(rates: EngineRate[], spec: string): EngineRate {
    const r = rates.find((x) => x.spec === spec);
    if (!r) throw new Error(`the engine did not measure ${spec}`);
    return r;
}

/** Lines per CPU second: the filter's own cost, not what other processes took from it. */
function cpuRate(rates: EngineRate[], spec: string): number {
    const r = engineRate(rates, spec);
    return r.lines / r.cpuSeconds;
}

/** A mailfort filter's rate over the upstream filter's, by CPU time, per measurement. */
function ratios(
    filters: MailFilters,
    rates: EngineRate[],
    regex: Map<string, RegexRate>,
    spec: string,
): { engine: number; regex?: number } {
    const engine = cpuRate(rates, spec) / cpuRate(rates, filters.upstream);
    const mine = regex.get(spec);
    const base = regex.get(filters.upstream);
    return mine && base ? { engine, regex: netCpuSeconds(base) / netCpuSeconds(mine) } : { engine };
}

function ratioFigures(
    filters: MailFilters,
    rates: EngineRate[],
    regex: Map<string, RegexRate>,
): Figure[] {
    return filters.custom.flatMap((spec) => {
        const r = ratios(filters, rates, regex, spec);
        const label = `rate ${spec} / ${filters.upstream} (CPU time)`;
        return [
            { label: `${label}, engine`, value: round(r.engine, 3), unit: "x" },
            ...(r.regex === undefined
                ? []
                : [{ label: `${label}, fail2ban-regex`, value: round(r.regex, 3), unit: "x" }]),
        ];
    });
}

/** Each mailfort filter's ratio is the lower of the engine's and fail2ban-regex's, if run. */
function bars(
    filters: MailFilters,
    rates: EngineRate[],
    regex: Map<string, RegexRate>,
    slowestMs: number[],
): Bar[] {
    const rateBars = filters.custom.map((spec) => {
        const r = ratios(filters, rates, regex, spec);
        const ratio = Math.min(r.engine, r.regex ?? r.engine);
        return bar(
            `${spec} at least ${rateBar}x the rate of ${filters.upstream} ` +
                "(CPU time, lower of engine and fail2ban-regex)",
            ratio,
            rateBar,
            ratio >= rateBar,
        );
    });
    const worst = Math.max(...slowestMs);
    return [
        ...rateBars,
        bar(
            `no crafted line over ${lineBarMs} ms in any mail filter (slowest line, ms)`,
            worst,
            lineBarMs,
            worst <= lineBarMs,
        ),
    ];
}

interface NoteInput {
    generated: GeneratedLog;
    generatedSeconds: number;
    crafted: number;
    rates: EngineRate[];
    regex: Map<string, RegexRate>;
    perLine: { spec: string; maxMs: number; worstLine: number }[];
    filters: MailFilters;
    loadBefore: number[];
    seconds: number;
}

function notes(n: NoteInput): string[] {
    const disagree = [...n.regex]
        .filter(([spec, r]) => engineRate(n.rates, spec).matched !== r.full.matched)
        .map(([spec]) => spec);
    const skipped = n.filters.custom.filter((spec) => !n.regex.has(spec));
    const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
    const list = <T>(items: T[], show: (item: T) => string) => items.map(show).join(", ");
    const regexLines = [...n.regex].map(
        ([spec, r]) =>
            `${spec}: ${r.full.wallSeconds.toFixed(1)} s wall, start-up ` +
            `${r.empty.wallSeconds.toFixed(2)} s, ` +
            `own loop ${r.full.processedSeconds.toFixed(1)} s, ` +
            `${Math.round(r.full.lines / netCpuSeconds(r))} lines/CPU-s, ${r.full.matched} matched`,
    );
    return [
        `Log: ${n.generated.lines} lines, ${(n.generated.bytes / 2 ** 20).toFixed(0)} MiB, ` +
            `generated from a fixed seed in ${n.generatedSeconds.toFixed(1)} s ` +
            "(DMS's traditional syslog format, UTC; two thirds honest traffic, one third " +
            "hostile; " +
            "clients from 198.51.100.0/24, 203.0.113.0/24, 192.0.2.0/24, 2001:db8::/32), " +
            `SHA-256 ${n.generated.sha256.slice(0, 16)}...`,
        "Engine: fail2ban's Filter loaded as fail2ban-regex loads it, all regexes until the " +
            "first match as in fail2ban-server, logtimezone UTC; Filter.processLine timed per " +
            "line, the log fed in 50,000-line chunks to every filter in turn. Lines per CPU " +
            `second: ${list(n.rates, (r) => `${r.spec} ${Math.round(r.lines / r.cpuSeconds)}`)}. ` +
            `Matched lines: ${list(n.rates, (r) => `${r.spec} ${r.matched}`)}. Slowest ` +
            "generated line by the clock (preemption included) / timed again alone: " +
            list(
                n.rates,
                (r) =>
                    `${r.spec} ${r.maxLineMs.toFixed(1)} / ` +
                    `${r.maxLineRetimedMs.toFixed(2)} ms`,
            ) +
            ".",
        "Ratios and bars use CPU time (user + system of the process), not wall time: the " +
            "filters run one after another on a shared machine, and CPU time does not count " +
            "what other processes took. The lines/s figures are wall time.",
        "fail2ban-regex: rate = lines / (time on the log - time on an empty log, fastest of " +
            `3), runs one after another. ${regexLines.join("; ")}.` +
            (skipped.length > 0
                ? ` Not run through fail2ban-regex (time budget ${budgetSeconds} s): ` +
                  `${skipped.join(", ")}; their bars rest on the engine alone.`
                : "") +
            (disagree.length > 0
                ? ` Matched counts differ from the engine's for ${disagree.join(", ")}.`
                : " Matched counts agree with the engine's."),
        `Crafted lines: ${n.crafted} lines (long repeated attacker-controlled tokens, as in ` +
            "test/fail2ban/crafted.test.ts, plus shapes aimed at each mailfort filter), each " +
            "timed in the engine as the fastest of 3 runs; slowest per filter: " +
            `${list(n.perLine, (p) => `${p.spec} line #${p.worstLine}`)}. The stock dovecot ` +
            "filter is left out of the crafted set: it backtracks exponentially (the " +
            `${bombSegments}-reason line above; each further reason doubles the time).`,
        `Machine: ${cpus().length} cores, load average ${load(n.loadBefore)} before and ` +
            `${load(loadavg())} after; whole benchmark ${n.seconds.toFixed(0)} s.`,
    ];
}

function round(value: number, digits: number): number {
    const scale = 10 ** digits;
    return Math.round(value * scale) / scale;
}
