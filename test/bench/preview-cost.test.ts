/** The preview-cost benchmark runs and reports both stack sizes (timing bars are the bench's). */
import { describe, expect, it } from "vitest";

import { run } from "../../bench/preview-cost";

describe("preview cost", () => {
    it("measures npm run plan for 1 and 10 hosts", async () => {
        process.env.MAILFORT_BENCH_REPEAT = "1";
        const result = await run();
        const value = (label: string) =>
            result.figures.find((f) => f.label === label)?.value ?? Number.NaN;
        expect(value("npm run plan, 10 hosts: resources")).toBeGreaterThan(
            5 * value("npm run plan, 1 host: resources"),
        );
        expect(value("npm run plan, 1 host: wall time")).toBeGreaterThan(0);
        expect(value("npm run plan, 10 hosts: peak memory")).toBeGreaterThan(50);
        expect(result.bars[0]?.description).toBe("10 hosts take under 3x the time of 1 host");
    }, 300_000);
});
