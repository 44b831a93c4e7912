/**
 * The ban-scale benchmark at quick size (200, 1,000 and 2,000 bans, 0.6-second rates): as root
 * in namespaces it drives a real fail2ban-server, nft and ip6tables, and returns every figure and
 * bar `bench/run.ts` prints. Rates depend on the machine, so only their plausibility and the
 * shape are checked; the bar itself is the full-size run's to judge.
 */
import { describe, expect, it } from "vitest";

const sizes = ["200", "1,000", "2,000"];
const actions = [["mailfort", "nft -f"], ["stock", "ip6tables-restore"]] as const;

describe("ban-scale benchmark (quick size)", () => {
    it("applies bans through both actions and measures the client at each size", async () => {
        process.env.MAILFORT_BENCH_QUICK = "1";
        const { run } = await import("../../bench/ban-scale");
        const result = await run();
        const value = (label: string) =>
            result.figures.find((f) => f.label === label)?.value ?? Number.NaN;

        expect(result.name).toBe("ban-scale");
        for (const [action, tool] of actions) {
            expect(value(`client connects/s, 0 bans, ${action}`)).toBeGreaterThan(100);
            for (const size of sizes) {
                expect(value(`apply ${size} bans in one batch (${tool}), ${action}`))
                    .toBeGreaterThan(0);
                expect(value(`client connects/s, ${size} bans, ${action}`)).toBeGreaterThan(10);
                expect(value(`per ban via fail2ban-client banip at ${size} bans, ${action}`))
                    .toBeGreaterThan(0);
                expect(value(`per ban via the action's command at ${size} bans, ${action}`))
                    .toBeGreaterThan(0);
            }
        }
        expect(result.figures).toHaveLength(2 * (1 + 4 * sizes.length) + 3 + 3);
        // The load at start brings the bans back before Fail2Ban's one-by-one restore could.
        const loaded = value("after a restart, 2,000 bans back in the set " +
            "(mailfort's load at start)");
        const oneByOne = value("after a restart, 2,000 bans by Fail2Ban's own restore alone " +
            "(at that rate)");
        expect(loaded).toBeGreaterThan(0);
        expect(loaded).toBeLessThan(oneByOne);
        expect(value("client rate at 2,000 bans, mailfort / stock")).toBeGreaterThan(0);

        expect(result.bars).toHaveLength(1);
        const [slowdown] = result.bars;
        expect(slowdown?.limit).toBe(1.2);
        expect(slowdown?.holds).toBe((slowdown?.measured ?? Infinity) <= 1.2);
        expect(slowdown?.measured).toBeCloseTo(
            value("client rate, 0 / 2,000 bans, mailfort"), 2);
    }, 90_000);
});
