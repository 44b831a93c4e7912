/**
 * The two ways the benchmark drives Fail2Ban: its own Filter engine in one Python process
 * (engine.py), and the real `fail2ban-regex` command, one process per filter and log.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { onPath } from "../../test/support/system";

const engineScript = path.join(__dirname, "engine.py");

/** One filter's run over the whole log in the engine. */
export interface EngineRate {
    spec: string;
    lines: number;
    matched: number;
    seconds: number;
    cpuSeconds: number;
    maxLineMs: number;
    /** The slowest line by the clock, timed again alone (fastest of 3). */
    maxLineRetimedMs: number;
}

/** One filter's slowest crafted line in the engine. */
export interface EngineLines {
    spec: string;
    lines: number;
    maxMs: number;
    worstLine: number;
    totalMs: number;
}

/**
 * The interpreter fail2ban-regex itself runs under (its `#!` line), so the engine imports the
 * same fail2ban package; a `python3` earlier on PATH (pyenv, venv) may not have it.
 */
export function fail2banPython(): string {
    const probe = spawnSync("sh", ["-c", "command -v fail2ban-regex"], { encoding: "utf8" });
    const script = probe.stdout.trim();
    if (probe.status !== 0 || !script) {
        throw new Error("filter-speed needs fail2ban-regex (Debian package fail2ban)");
    }
    const shebang = /^#!\s*(\S+)/.exec(fs.readFileSync(script, "utf8").split("\n")[0] ?? "");
    const python = shebang?.[1] ?? "python3";
    if (!python.startsWith("/") && !onPath(python)) {
        throw new Error(`fail2ban-regex runs under ${python}, which is not on PATH`);
    }
    return python;
}

function engine(python: string, args: string[], timeoutMs: number): unknown {
    const result = spawnSync(python, [engineScript, ...args], {
        encoding: "utf8",
        timeout: timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
    });
    if (result.status !== 0) {
        const why = result.error?.message ?? result.stderr.slice(-2000);
        throw new Error(`engine.py ${args[0]} failed: ${why}`);
    }
    return JSON.parse(result.stdout);
}

/** Every filter over the whole log, chunk by chunk in turn (see engine.py `rate`). */
export function engineRates(
    python: string,
    confDir: string,
    log: string,
    specs: string[],
    timeoutMs: number,
): EngineRate[] {
    const args = ["rate", "--conf", confDir, "--log", log, "--tz", "UTC", ...specs];
    return (engine(python, args, timeoutMs) as { filters: EngineRate[] }).filters;
}

/** Each filter's slowest line of `lines`, the fastest of `repeat` runs per line. */
export function engineLines(
    python: string,
    confDir: string,
    lines: string[],
    specs: string[],
    repeat: number,
    timeoutMs: number,
): EngineLines[] {
    const file = path.join(confDir, "crafted.json");
    fs.writeFileSync(file, JSON.stringify(lines));
    const args = [
        "lines",
        "--conf",
        confDir,
        "--lines",
        file,
        "--repeat",
        String(repeat),
        "--tz",
        "UTC",
        ...specs,
    ];
    return (engine(python, args, timeoutMs) as { filters: EngineLines[] }).filters;
}

/** One `fail2ban-regex` run: wall time and what it printed about the log. */
export interface RegexRun {
    wallSeconds: number;
    /** User + system CPU time of the process: what the filter cost, whatever else ran. */
    cpuSeconds: number;
    /** fail2ban-regex's own "[processed in N sec]": its read-and-match loop only. */
    processedSeconds: number;
    lines: number;
    matched: number;
}

/**
 * `fail2ban-regex` as an operator runs it, with the jails' `logtimezone = UTC` and raw hosts
 * (no DNS). Missed lines are not printed: printing is not filtering. Bash's `time` reports the
 * child's CPU time (Node cannot read a child's rusage); `timeout` inside it bounds the run,
 * since Node's own timeout would kill only bash and leave fail2ban-regex running.
 */
export function fail2banRegex(
    confDir: string,
    log: string,
    spec: string,
    timeoutMs: number,
): RegexRun {
    const started = process.hrtime.bigint();
    const bound = ["timeout", "--kill-after=5", String(Math.ceil(timeoutMs / 1000))];
    const result = spawnSync(
        "bash",
        [
            "-c",
            'TIMEFORMAT="@cpu %3U %3S"; time "$@"',
            "fail2ban-regex",
            ...bound,
            "fail2ban-regex",
            "-c",
            confDir,
            "-r",
            "--timezone",
            "UTC",
            "--print-no-missed",
            "--print-no-ignored",
            log,
            spec,
        ],
        { encoding: "utf8", timeout: timeoutMs + 10_000, maxBuffer: 16 * 1024 * 1024 },
    );
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.status !== 0) {
        const why = result.error?.message ?? `${result.stdout}${result.stderr}`.slice(-2000);
        throw new Error(`fail2ban-regex ${spec} failed: ${why}`);
    }
    const counts = /Lines: (\d+) lines, \d+ ignored, (\d+) matched/.exec(result.stdout);
    const processed = /\[processed in ([\d.]+) sec\]/.exec(result.stdout);
    const cpu = /@cpu ([\d.]+) ([\d.]+)/.exec(result.stderr);
    if (!counts || !processed || !cpu) {
        throw new Error(
            `fail2ban-regex ${spec}: no summary in its output:\n` + result.stdout.slice(-2000),
        );
    }
    return {
        wallSeconds,
        cpuSeconds: Number(cpu[1]) + Number(cpu[2]),
        processedSeconds: Number(processed[1]),
        lines: Number(counts[1]),
        matched: Number(counts[2]),
    };
}

/** The fastest of `times` runs: start-up cost without the scheduler's noise. */
export function fastest(times: number, once: () => RegexRun): RegexRun {
    let best = once();
    for (let i = 1; i < times; i += 1) {
        const next = once();
        if (next.wallSeconds < best.wallSeconds) best = next;
    }
    return best;
}
