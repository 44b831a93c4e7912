/**
 * Reads sample logs annotated in upstream Fail2Ban's `failJSON` format and checks them through
 * the real `fail2ban-regex`, line by line: whether the filter produced a failure for the line and
 * which address it extracted.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { renderJailLocal, staticFiles } from "../../components/fail2ban";
import { jailsFor } from "../../components/fail2ban/jails";
import type { StackConfig } from "../../config";
import { run } from "../support/system";

export type FilterOptions = Record<string, string>;

/** One data line of a sample file with its annotation and the option sets it is tested under. */
export interface SampleLine {
    file: string;
    lineNo: number;
    text: string;
    expect?: { match: boolean; host?: string; constraint?: string; desc?: string };
    optionSets: FilterOptions[];
}

/** Parses a sample file (following `addFILE`), upstream's samplestestcase.py rules. */
export function readSamples(dir: string, name: string): SampleLine[] {
    const out: SampleLine[] = [];
    readInto(dir, name, {}, out);
    return out;
}

function readInto(dir: string, name: string, fileOptions: object, out: SampleLine[]): void {
    let optionSets: FilterOptions[] = [{}];
    let pending: SampleLine["expect"];
    let local = { ...fileOptions };
    const lines = fs.readFileSync(path.join(dir, name), "utf8").split("\n");
    lines.forEach((raw, index) => {
        const text = raw.replace(/\r$/, "");
        const meta = /^#\s*(failJSON|filterOptions|fileOptions|addFILE):\s*(.*)$/.exec(text);
        if (meta) {
            const value = JSON.parse(meta[2] ?? "null") as unknown;
            if (meta[1] === "failJSON") pending = value as SampleLine["expect"];
            if (meta[1] === "fileOptions") local = { ...local, ...(value as object) };
            if (meta[1] === "filterOptions") {
                const sets = Array.isArray(value) ? value : [value];
                optionSets = sets.map((set) => ({ ...local, ...(set as object) }));
            }
            if (meta[1] === "addFILE") readInto(dir, String(value), local, out);
            return;
        }
        if (text.startsWith("#") || text.trim() === "") return;
        const sets = optionSets.length === 1 && Object.keys(optionSets[0] ?? {}).length === 0
            ? [{ ...local } as FilterOptions]
            : optionSets;
        out.push({ file: name, lineNo: index + 1, text, expect: pending, optionSets: sets });
        pending = undefined;
    });
}

/**
 * Evaluates the few Python expressions upstream writes in `constraint` and `test.condition`
 * (`name == 'sshd'`, `opts.get('mode') != 'aggressive'`); anything else is an error, so a new
 * form in the corpus fails the suite instead of being skipped.
 */
export function holds(expression: string, name: string, opts: FilterOptions): boolean {
    const form = /^\s*(name|opts\.get\('([\w.-]+)'\))\s*(==|!=)\s*'([^']*)'\s*$/.exec(expression);
    if (!form) throw new Error(`unsupported annotation expression: ${expression}`);
    const left = form[1] === "name" ? name : opts[form[2] ?? ""];
    return form[3] === "==" ? left === form[4] : left !== form[4];
}

/** Drops runner-only keys and fills the filter's defaults, so option sets compare by value. */
export function normalise(options: FilterOptions, defaults: FilterOptions): FilterOptions {
    const merged: FilterOptions = { ...defaults };
    for (const [key, value] of Object.entries(options)) {
        if (!key.startsWith("test.")) merged[key] = String(value);
    }
    return merged;
}

/**
 * Whether a sample block's option set is the jail's: compared on mode, log type and whatever
 * the block sets. Jail tuning the corpus never varies (`_daemon`, `journalmatch`) is ignored.
 */
export function sameOptions(block: FilterOptions, jail: FilterOptions): boolean {
    const keys = new Set(["mode", "logtype", ...Object.keys(block)]);
    return [...keys].every((key) => block[key] === jail[key]);
}

/** The lines of a sample set that apply to one option set, as upstream's runner selects them. */
export function linesFor(
    samples: SampleLine[],
    name: string,
    options: FilterOptions,
    defaults: FilterOptions,
): SampleLine[] {
    const wanted = normalise(options, defaults);
    return samples.filter((line) =>
        line.optionSets.some((set) => {
            const condition = set["test.condition"];
            if (condition !== undefined && !holds(condition, name, wanted)) return false;
            if (set["test.prefix-line"] !== undefined) {
                throw new Error(`${line.file}:${line.lineNo}: test.prefix-line is not supported`);
            }
            return sameOptions(normalise(set, defaults), wanted);
        }),
    );
}

/** A filter's defaults that option sets leave out: its `mode` and the file log type. */
export function filterDefaults(confDir: string, filter: string): FilterOptions {
    const text = fs.readFileSync(path.join(confDir, "filter.d", `${filter}.conf`), "utf8");
    const mode = /^mode\s*=\s*(\S+)\s*$/m.exec(text)?.[1];
    return { logtype: "file", ...(mode ? { mode } : {}) };
}

/** `name[key=value, ...]` as jail.conf and fail2ban-regex write a filter with options. */
export function filterSpec(filter: string, options: FilterOptions): string {
    const args = Object.entries(options).map(([key, value]) => `${key}=${value}`);
    return args.length > 0 ? `${filter}[${args.join(", ")}]` : filter;
}

/** Splits `postfix[mode=more]` into its name and options. */
export function parseSpec(spec: string): { filter: string; options: FilterOptions } {
    const [, filter = spec, args = ""] = /^([\w.-]+)(?:\[(.*)\])?$/.exec(spec) ?? [];
    const options: FilterOptions = {};
    for (const pair of args.split(",").filter((p) => p.trim() !== "")) {
        const at = pair.indexOf("=");
        options[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
    }
    return { filter, options };
}

/**
 * A temporary Fail2Ban config folder: the distribution's stock files (common.conf, the upstream
 * filters) with mailfort's filters and action on top. /etc/fail2ban is only read.
 */
export function stageConfDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    fs.cpSync("/etc/fail2ban", dir, { recursive: true });
    // The host's jail.d (Debian enables sshd there) must not leak into tests.
    fs.rmSync(path.join(dir, "jail.d"), { recursive: true, force: true });
    fs.mkdirSync(path.join(dir, "jail.d"));
    for (const file of staticFiles()) {
        fs.writeFileSync(path.join(dir, file.relative), file.content);
    }
    return dir;
}

/**
 * Points mailfort's ban action at a test server's database and at the repo's restore program:
 * at actionstart it loads the jail's current bans from there, never from the host's own
 * /var/lib/fail2ban.
 */
export function pointBanActionAt(confDir: string, dbfile: string): void {
    const program = path.join(__dirname, "../../components/fail2ban/mailfort-fail2ban-restore");
    fs.writeFileSync(
        path.join(confDir, "action.d", "mailfort-nftables.local"),
        `[Init]\nrestore_program = ${program}\ndbfile = ${dbfile}\n`,
    );
}

export interface Verdict {
    matched: boolean;
    host?: string;
}

const marker = "@@mff2b@@";

/**
 * Runs `fail2ban-regex` once over `lines` and returns, per line, whether it produced a failure
 * and the failure id. `-o` prints each failure with all lines that made it up; the last of them
 * is the line that triggered it. `-r` keeps host names raw: no DNS look-ups.
 */
export function runFilter(
    confDir: string,
    spec: string,
    lines: string[],
    timeoutMs = 60_000,
): { verdicts: Verdict[]; seconds: number } {
    const log = path.join(confDir, `sample-${process.pid}-${Date.now()}.log`);
    fs.writeFileSync(log, `${lines.join("\n")}\n`);
    const started = process.hrtime.bigint();
    const output = run("fail2ban-regex", [
        "-c", confDir, "-r", "-o", `${marker}<fid>${marker}<matches>`, log, spec,
    ], { timeoutMs });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    fs.rmSync(log);
    return { verdicts: assign(lines, output), seconds };
}

function assign(lines: string[], output: string): Verdict[] {
    const verdicts: Verdict[] = lines.map(() => ({ matched: false }));
    const records = output.split(marker).slice(1);
    let cursor = 0;
    for (let i = 0; i + 1 < records.length; i += 2) {
        const host = records[i] ?? "";
        const matches = (records[i + 1] ?? "").replace(/\n$/, "").split("\n");
        const trigger = (matches[matches.length - 1] ?? "").trimEnd();
        const at = lines.findIndex((line, n) => n >= cursor && line.trimEnd() === trigger);
        if (at < 0) throw new Error(`fail2ban-regex reported a line not in the input: ${trigger}`);
        verdicts[at] = { matched: true, host };
        cursor = at + 1;
    }
    return verdicts;
}

/** One line whose verdict disagrees with its annotation. */
export interface Mismatch {
    where: string;
    expected: string;
    got: string;
    text: string;
}

/** Checks annotated lines under one option set; lines without an annotation are ignored. */
export function checkLines(
    confDir: string,
    filter: string,
    name: string,
    options: FilterOptions,
    lines: SampleLine[],
): { checked: string[]; mismatches: Mismatch[]; seconds: number } {
    const spec = filterSpec(filter, options);
    const { verdicts, seconds } = runFilter(confDir, spec, lines.map((l) => l.text));
    const mismatches: Mismatch[] = [];
    const checked: string[] = [];
    lines.forEach((line, index) => {
        const expect = line.expect;
        const verdict = verdicts[index] ?? { matched: false };
        if (!expect) return;
        if (expect.constraint !== undefined && !holds(expect.constraint, name, options)) return;
        checked.push(`${line.file}:${line.lineNo}`);
        const ok = expect.match
            ? verdict.matched && (expect.host === undefined || verdict.host === expect.host)
            : !verdict.matched;
        if (!ok) {
            mismatches.push({
                where: `${line.file}:${line.lineNo}`,
                expected: expect.match ? `match ${expect.host ?? ""}`.trim() : "no match",
                got: verdict.matched ? `match ${verdict.host}` : "no match",
                text: line.text,
            });
        }
    });
    return { checked, mismatches, seconds };
}

export interface JailFilter {
    jail: string;
    /** The jail's `filter` value, e.g. `postfix[mode=more]`. */
    spec: string;
    /** Whether the jail reads the journal (the filter then runs with logtype=journal). */
    journal: boolean;
}

/** The filters of the rendered jail config, with the options each jail gives its filter. */
export function jailFilters(config: StackConfig): JailFilter[] {
    return jailsFor(config, 22)
        .filter((jail) => jail.enabled)
        .map((jail) => ({
            jail: jail.name,
            spec: jail.filter,
            journal: jail.backend === "systemd",
        }));
}

/** Re-exported so tests render exactly what hosts get. */
export { renderJailLocal };
