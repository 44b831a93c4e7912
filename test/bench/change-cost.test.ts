/**
 * The change-cost benchmark's bars are properties of the program, not of the machine, so they
 * are held here too: a change touches only what it must.
 */
import { describe, expect, it } from "vitest";

import { run } from "../../bench/change-cost";

describe("change cost", () => {
    it("holds every bar: each change touches only what it must", async () => {
        const result = await run();
        expect(result.bars).toHaveLength(5);
        for (const b of result.bars) expect(b.holds, `${b.description}: ${b.measured}`).toBe(true);
        const figure = (label: string) => result.figures.find((f) => f.label === label)?.value;
        expect(figure("no change: same")).toBeGreaterThan(50);
        expect(figure("TLS level changed: replace")).toBe(1);
    }, 300_000);
});
