/**
 * Upstream Fail2Ban's annotated sample logs against the project's jail configuration: each
 * upstream filter, in the mode our jail gives it, must do what upstream's annotations say for
 * that mode; our dovecot filter must do what upstream says of dovecot.conf; and no custom filter
 * may match a line upstream marks as not a failure.
 *
 * Where the corpus is absent (a user's clone without ../shared) the suite says so plainly and
 * does not pretend to have run; in CI (`CI` set) that is a failure.
 */
import * as fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { requireTools } from "../support/system";
import { corpusDir, corpusPresent, stack } from "./fixture";
import {
    checkLines,
    filterDefaults,
    jailFilters,
    linesFor,
    Mismatch,
    parseSpec,
    readSamples,
    runFilter,
    SampleLine,
    stageConfDir,
} from "./harness";

/**
 * Upstream lines that Fail2Ban 1.0.2 itself cannot satisfy: the corpus is from 1.1.2-dev, whose
 * filters learned these formats after 1.0.2. Each entry is checked to still fail, so a fixed one
 * shows up instead of staying excused. Key: `<jail> <file>:<line>`.
 */
export const knownExceptions: Record<string, string> = {
    "postfix postfix:12": "`Helo command rejected: Access denied` is not among 1.0.2's reject " +
        "reasons (our postfix-helo jail catches it)",
    "postfix postfix:16": "sender rejects for `Malformed DNS server reply` came after 1.0.2",
    "postfix postfix:74": "`cannot find your hostname` rejects at CONNECT came after 1.0.2",
    "dovecot dovecot:143": "Dovecot 2.4's `auth(user,address,...)<session>:` prefix; the mail " +
        "container runs Dovecot 2.3, and 1.0.2 cannot parse it either",
    "dovecot dovecot:180": "aggressive mode only (our jail runs normal): Dovecot 2.4's " +
        "`(disconnected during TLS handshake)` came after 1.0.2",
    "dovecot dovecot:182": "aggressive mode only (our jail runs normal): Dovecot 2.4's " +
        "`(disconnected during TLS handshake)` came after 1.0.2",
    "nginx-http-auth nginx-http-auth:17": "nginx PAM module failures came after 1.0.2",
    "nginx-limit-req nginx-limit-req:15": "`delaying request` warnings came after 1.0.2",
    "nginx-limit-req nginx-limit-req:18": "`delaying request` warnings came after 1.0.2",
    "nginx-limit-req nginx-limit-req:21": "limit_conn's `limiting connections` came after 1.0.2",
    "nginx-limit-req nginx-limit-req:24": "limit_conn's `limiting connections` came after 1.0.2",
    "sshd sshd:332": "`ssh_dispatch_run_fatal: ... message authentication code incorrect` came " +
        "after 1.0.2",
    "sshd sshd:334": "`ssh_dispatch_run_fatal: ... Connection corrupted` came after 1.0.2",
    "sshd sshd:336": "`fatal: Timeout before authentication for` came after 1.0.2",
    "sshd sshd:364": "`Timeout before authentication for connection from` came after 1.0.2",
};

/**
 * Upstream modes that are unions of others and have no annotations of their own: such a jail is
 * checked against the annotations of every part. postfix.conf: `extra` = `auth` + `normal`, and
 * `more` (the default, `{}` in the corpus) = `normal`; the first test below holds 1.0.2's
 * postfix.conf to that.
 */
const unionModes: Record<string, Record<string, string[]>> = {
    postfix: { extra: ["more", "auth"] },
};

const custom = ["mailfort-postfix-helo", "mailfort-postfix-mx-abuse",
    "mailfort-postfix-rate-limit", "mailfort-postfix-mail-bombing", "mailfort-dovecot"];

/** Which corpus file exercises a filter: ours replaces upstream's dovecot. */
function corpusName(filter: string): string {
    return filter === "mailfort-dovecot" ? "dovecot" : filter;
}

if (!corpusPresent()) {
    describe("fail2ban corpus", () => {
        it("did not run: upstream's sample corpus is missing", () => {
            const message = `upstream corpus not found at ${corpusDir()}; set ` +
                "MAILFORT_F2B_CORPUS to a copy of fail2ban/tests/files/logs to run this suite";
            // .ci/run has the corpus beside the clone and insists; a user's clone may not.
            if (process.env.MAILFORT_REQUIRE_CORPUS) throw new Error(`${message} (required)`);
            console.warn(`fail2ban corpus suite DID NOT RUN: ${message}`);
        });
    });
} else {
    describe("fail2ban corpus", () => {
        let confDir = "";

        beforeAll(() => {
            requireTools({ "fail2ban-regex": "fail2ban" });
            confDir = stageConfDir("mff2b-corpus");
        });

        afterAll(() => {
            if (confDir) fs.rmSync(confDir, { recursive: true, force: true });
        });

        const variants = [
            { label: "default config (sshd from the journal)", config: () => stack() },
            {
                label: "sshd from auth.log",
                config: () => stack({ fail2ban: { sshdLog: "auth.log" } }),
            },
        ];

        it("postfix[mode=extra] is exactly upstream's auth and normal modes together", () => {
            const conf = fs.readFileSync(`${confDir}/filter.d/postfix.conf`, "utf8");
            expect(conf).toMatch(/^mdpr-extra = \(\?:%\(mdpr-auth\)s\|%\(mdpr-normal\)s\)$/m);
            expect(conf).toMatch(/^mdre-extra = %\(mdre-auth\)s\n\s+%\(mdre-normal\)s$/m);
            expect(conf).toMatch(/^mdpr-more = %\(mdpr-normal\)s$/m);
            expect(conf).toMatch(/^mdre-more = %\(mdre-normal\)s$/m);
        });

        for (const variant of variants) {
            it(`jail filters match upstream's annotations: ${variant.label}`, () => {
                const jails = jailFilters(variant.config());
                const problems: string[] = [];
                const stale: string[] = [];
                const counts: string[] = [];
                for (const { jail, spec, journal } of jails) {
                    const { filter, options } = parseSpec(spec);
                    if (filter.startsWith("mailfort-") && filter !== "mailfort-dovecot") continue;
                    const name = corpusName(filter);
                    const opts = journal ? { ...options, logtype: "journal" } : options;
                    const samples = readSamples(corpusDir(), name);
                    const result = checkJail(confDir, filter, name, opts, samples);
                    expect(result.checked.length, `${jail}: no line applies`).toBeGreaterThan(0);
                    problems.push(...unexcused(jail, result.mismatches));
                    counts.push(`${jail} ${result.checked.length}`);
                    stale.push(...staleExceptions(jail, result.checked, result.mismatches));
                }
                console.info(`annotated lines checked per jail: ${counts.join(", ")}`);
                expect(problems).toEqual([]);
                expect(stale, "exceptions that now pass: remove them").toEqual([]);
            });
        }

        it("mailfort-dovecot also keeps upstream's aggressive-mode annotations", () => {
            const samples = readSamples(corpusDir(), "dovecot");
            const result = checkJail(confDir, "mailfort-dovecot", "dovecot",
                { mode: "aggressive" }, samples);
            expect(result.checked.length).toBeGreaterThan(10);
            expect(unexcused("dovecot", result.mismatches)).toEqual([]);
        });

        it("no custom filter matches a line upstream marks as no failure", () => {
            const negatives = fs.readdirSync(corpusDir())
                .filter((file) => !file.includes("."))
                .flatMap((file) => readSamples(corpusDir(), file))
                .filter((line) => line.expect && !line.expect.match);
            expect(negatives.length).toBeGreaterThan(20);
            const hits: string[] = [];
            for (const filter of custom.filter((f) => f !== "mailfort-dovecot")) {
                const { verdicts } = runFilter(confDir, filter, negatives.map((l) => l.text));
                verdicts.forEach((v, i) => {
                    if (v.matched) hits.push(`${filter} matched ${where(negatives[i])}`);
                });
            }
            expect(hits).toEqual([]);
        });
    });
}

function checkJail(
    confDir: string,
    filter: string,
    name: string,
    options: Record<string, string>,
    samples: SampleLine[],
) {
    const defaults = filterDefaults(confDir, filter);
    const wanted = { ...defaults, ...options };
    const parts = unionModes[filter]?.[wanted.mode ?? ""];
    const lines = parts
        ? parts.flatMap((mode) => linesFor(samples, name, { ...wanted, mode }, defaults))
        : linesFor(samples, name, wanted, defaults);
    const unique = [...new Map(lines.map((l) => [`${l.file}:${l.lineNo}`, l])).values()];
    return checkLines(confDir, filter, name, wanted, unique);
}

function unexcused(jail: string, mismatches: Mismatch[]): string[] {
    return mismatches
        .filter((m) => knownExceptions[`${jail} ${m.where}`] === undefined)
        .map((m) => `${jail} ${m.where}: expected ${m.expected}, got ${m.got}: ${m.text}`);
}

function staleExceptions(jail: string, checked: string[], mismatches: Mismatch[]): string[] {
    const failing = new Set(mismatches.map((m) => m.where));
    return checked
        .filter((at) => knownExceptions[`${jail} ${at}`] !== undefined && !failing.has(at))
        .map((at) => `${jail} ${at}`);
}

function where(line: SampleLine | undefined): string {
    return line ? `${line.file}:${line.lineNo}: ${line.text}` : "?";
}
