/**
 * The filter-speed benchmark at quick size (20,000 generated lines): it runs the engine and
 * fail2ban-regex end to end and returns every figure and bar `bench/run.ts` prints. Rates depend
 * on the machine, so only their plausibility is checked here; the bars are the benchmark's.
 */
import { describe, expect, it } from "vitest";

import { craftedLines } from "../../bench/filter-speed/crafted";
import { requireTools } from "../support/system";

const custom = [
    "mailfort-dovecot[mode=normal]",
    "mailfort-postfix-helo",
    "mailfort-postfix-mx-abuse",
    "mailfort-postfix-rate-limit",
    "mailfort-postfix-mail-bombing",
];

describe("filter-speed benchmark (quick size)", () => {
    it("measures every mail filter's rate and slowest crafted line", async () => {
        requireTools({ "fail2ban-regex": "fail2ban" });
        process.env.MAILFORT_BENCH_QUICK = "1";
        const { run } = await import("../../bench/filter-speed");
        const result = await run();
        const crafted = craftedLines().length;
        const value = (label: string) =>
            result.figures.find((f) => f.label === label)?.value ?? Number.NaN;

        expect(result.name).toBe("filter-speed");
        // The postfix jail's own mode: SASL failures and rejects in one jail.
        for (const spec of ["postfix[mode=extra]", ...custom]) {
            expect(value(`lines/s ${spec}, Fail2Ban engine`)).toBeGreaterThan(1000);
            expect(value(`slowest of ${crafted} crafted lines, ${spec}`)).toBeGreaterThan(0);
        }
        expect(value("lines/s postfix[mode=extra], fail2ban-regex minus start-up")).toBeGreaterThan(
            1000,
        );
        expect(result.bars.every((b) => !b.description.includes("mode=more"))).toBe(true);
        // The stock 1.0.2 filter's backtracking shows even on a short line; ours is linear.
        expect(
            value("one 16-reason Dovecot disconnect line, dovecot[mode=normal]"),
        ).toBeGreaterThan(
            10 * value("one 16-reason Dovecot disconnect line, mailfort-dovecot[mode=normal]"),
        );

        expect(result.bars).toHaveLength(custom.length + 1);
        for (const b of result.bars) {
            const within = b.limit === 50 ? b.measured <= b.limit : b.measured >= b.limit;
            expect(b.holds, b.description).toBe(within);
            expect(b.measured).toBeGreaterThan(0);
        }
        expect(result.notes.join("\n")).toMatch(/load average/);
    }, 120_000);
});
