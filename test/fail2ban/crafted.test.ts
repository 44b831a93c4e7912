/**
 * Adversarial lines (long repeated tokens an attacker can put into a HELO name, a user name, a
 * request path) must pass through every filter we run in bounded time: one slow regex stalls
 * the whole Fail2Ban server, and with it every jail. Also shows the stock 1.0.2 dovecot filter's
 * catastrophic backtracking that mailfort-dovecot replaces.
 */
import * as fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { attempt, requireTools } from "../support/system";
import { stack } from "./fixture";
import { filterSpec, jailFilters, parseSpec, runFilter, stageConfDir } from "./harness";

const boundSeconds = 2;

const prefixes = [
    "Dec  3 18:00:00 mail postfix/smtpd[1]: ",
    "2026-12-03T18:00:00.000000+00:00 mail postfix/postscreen[1]: ",
    "Dec  3 18:00:00 mail dovecot: imap-login: ",
    "Dec  3 18:00:00 mail dovecot: auth: passwd-file(",
    "Dec  3 18:00:00 host sshd[1]: ",
    "2026/12/03 18:00:00 [error] 1#1: *1 ",
    "2026-12-03 18:00:00,000 fail2ban.actions [1]: NOTICE [sshd] ",
];

const bodies = [
    `NOQUEUE: reject: RCPT from unknown[192.0.2.1]: 504 5.5.2 <${"a".repeat(10_000)}>: ` +
        "Helo command rejected: need fully-qualified hostname; helo=<x>",
    `NOQUEUE: reject: RCPT from ${"unknown[192.0.2.1]".repeat(600)}: 450 4.7.1 <x>: Helo`,
    `${"[1.2.3.4]".repeat(1500)} from [192.0.2.1]:1: x`,
    `lost connection after ${"A".repeat(8000)} from unknown[192.0.2.1]x`,
    `warning: non-SMTP command from unknown[192.0.2.1]: ${": [192.0.2.2]".repeat(1000)}`,
    `Disconnected${": a".repeat(3000)} rip=192.0.2.1`,
    `Disconnected${": a (b".repeat(2000)} (auth failed, 1 attempts): rip=192.0.2.1x`,
    `Disconnected (auth failed, 1 attempts): user=<x>, rip=192.0.2.1${" ".repeat(10_000)}>`,
    `Disconnected (auth failed, 1 attempts): rip=192.0.2.1, ${"session=<a".repeat(1000)}`,
    `${"x,192.0.2.1".repeat(1000)}): unknown user${" (a".repeat(2000)}`,
    `Failed password for ${"invalid user ".repeat(1000)}x from 192.0.2.1 port 1 ssh2 x`,
    `Invalid user ${"from 192.0.2.1 port 1 ".repeat(500)}`,
    `client: 192.0.2.1, request: "GET /${"%2e".repeat(5000)} HTTP/1.1", host: "x"` +
        " ".repeat(5000),
    `limiting requests, excess: 1.0 by zone "${"z".repeat(5000)}", client: 192.0.2.1, x`,
    `Ban ${"192.0.2.1 ".repeat(2000)}`,
    `${"(".repeat(5000)}${")".repeat(5000)}`,
    `${" ".repeat(10_000)}x`,
];

/** Every prefix with every body: each filter sees each long token in its own daemon's line. */
const craftedLines = prefixes.flatMap((prefix) => bodies.map((body) => prefix + body));

/** The line that makes the stock 1.0.2 dovecot filter backtrack exponentially in n. */
function dovecotBomb(n: number): string {
    const reason = ": a".repeat(n);
    return `Dec  3 18:00:00 mail dovecot: imap-login: Disconnected${reason} rip=192.0.2.1`;
}

describe("crafted lines", () => {
    let confDir = "";

    beforeAll(() => {
        requireTools({ "fail2ban-regex": "fail2ban" });
        confDir = stageConfDir("mff2b-crafted");
    });

    afterAll(() => {
        if (confDir) fs.rmSync(confDir, { recursive: true, force: true });
    });

    const specs = () => {
        const jails = [...jailFilters(stack()), ...jailFilters(stack({
            fail2ban: { sshdLog: "auth.log" },
            services: { mtaSts: true },
        }))];
        const all = jails.map(({ spec, journal }) => {
            const { filter, options } = parseSpec(spec);
            return filterSpec(filter, journal ? { ...options, logtype: "journal" } : options);
        });
        return [...new Set([...all, "mailfort-dovecot[mode=aggressive]"])];
    };

    it("every filter we run handles all crafted lines within the bound", () => {
        const slow: string[] = [];
        const timings: string[] = [];
        for (const spec of specs()) {
            const { seconds } = runFilter(confDir, spec, craftedLines, 30_000);
            timings.push(`${seconds.toFixed(2)} s ${spec.split("[")[0]}`);
            if (seconds > boundSeconds) slow.push(`${spec}: ${seconds.toFixed(2)} s`);
        }
        console.info(`${craftedLines.length} crafted lines per filter (incl. start-up):\n` +
            timings.join("\n"));
        expect(craftedLines.length).toBeGreaterThan(100);
        expect(slow).toEqual([]);
    });

    it("the stock 1.0.2 dovecot filter stalls on a line mailfort-dovecot handles at once", () => {
        const line = dovecotBomb(27);
        const ours = runFilter(confDir, "mailfort-dovecot", [dovecotBomb(5000), line]);
        expect(ours.seconds).toBeLessThan(boundSeconds);

        fs.writeFileSync(`${confDir}/bomb.log`, `${line}\n`);
        const started = Date.now();
        attempt("fail2ban-regex", ["-c", confDir, "-r", `${confDir}/bomb.log`, "dovecot"], {
            timeoutMs: 8_000,
        });
        const stockSeconds = (Date.now() - started) / 1000;
        console.info(`stock dovecot filter on 27 repeats: ${stockSeconds.toFixed(1)} s ` +
            `(stopped at 8 s); mailfort-dovecot on 5000 repeats: ${ours.seconds.toFixed(2)} s`);
        expect(stockSeconds).toBeGreaterThan(3 * boundSeconds);
    });
});
