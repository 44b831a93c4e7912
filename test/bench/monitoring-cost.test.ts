/**
 * The monitoring-cost benchmark at quick sizes (logs of 1, 8 and 32 MiB): it runs end to end, the
 * runs counted exactly the appended lines (the benchmark checks that itself), and the figures and
 * the bar have the shape `bench/run.ts` prints.
 */
import { describe, expect, it } from "vitest";

import { requireTools } from "../support/system";

describe("monitoring-cost benchmark (quick sizes)", () => {
    it("times a run and two naive scans per log size and judges the 1.5x bar", async () => {
        requireTools({ bash: "bash", awk: "mawk", flock: "util-linux", grep: "grep" });
        process.env.MAILFORT_BENCH_QUICK = "1";
        const { run } = await import("../../bench/monitoring-cost");
        const result = await run();

        expect(result.name).toBe("monitoring cost");
        const labels = result.figures.map((f) => f.label);
        for (const size of ["1 MiB", "8 MiB", "32 MiB"]) {
            expect(labels).toEqual(
                expect.arrayContaining([
                    `mailfort-monitor run (+1 MiB), ${size} log: wall time`,
                    `mailfort-monitor run (+1 MiB), ${size} log: CPU time`,
                    `naive awk scan, whole ${size} log: wall time`,
                    `naive grep -c, whole ${size} log: wall time`,
                ]),
            );
        }
        for (const figure of result.figures) {
            expect(figure.value).toBeGreaterThan(0);
            expect(figure.value).toBeLessThan(60_000);
        }

        expect(result.bars).toHaveLength(1);
        const [cost] = result.bars;
        expect(cost?.limit).toBe(1.5);
        expect(cost?.holds).toBe(cost!.measured <= 1.5);
        // Loose bounds, so a busy machine does not fail this: a run that read the whole log would
        // not stay within 3x when the log grows 32-fold; the naive awk scan does not.
        expect(cost?.measured).toBeLessThan(3);
        const naive = result.figures.find(
            (f) => f.label === "naive awk scan, 32 MiB vs 1 MiB log: wall time",
        );
        expect(naive?.value).toBeGreaterThan(3);
        expect(result.notes.join("\n")).toMatch(/load average/);
    });
});
