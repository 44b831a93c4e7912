/**
 * Adversarial lines (long repeated tokens an attacker can put into a HELO name, a user name, a
 * request path) must pass through every filter we run in bounded time: one slow regex stalls
 * the whole Fail2Ban server, and with it every jail. Also shows the stock 1.0.2 dovecot filter's
 * catastrophic backtracking that mailfort-dovecot replaces.
 */
import * as fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { attempt, requireTools } from "../support/system";
import { craftedLines as allCraftedLines } from "./crafted-lines";
import { stack } from "./fixture";
import { filterSpec, jailFilters, parseSpec, runFilter, stageConfDir } from "./harness";

const boundSeconds = 2;

/** Every prefix with every body: each filter sees each long token in its own daemon's line. */
const craftedLines = allCraftedLines();

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
