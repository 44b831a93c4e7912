import { describe, expect, it } from "vitest";

import { runPolicies } from "../../policies/run";
import { allFailingCases } from "./all-cases";
import { happyStack } from "./fixture";

describe("each way of breaking the happy-path stack is caught", () => {
    const named = allFailingCases.map((c) => [`${c.policy}: ${c.title}`, c] as const);
    it.each(named)("%s", async (_, c) => {
        const stack = happyStack();
        c.breaks(stack);
        const verdicts = await runPolicies(stack);

        const own = verdicts.filter((v) => v.policy === c.policy);
        expect(own.map((v) => v.message)).toContainEqual(expect.stringMatching(c.message));
        // A whole sentence that says what to set instead.
        for (const verdict of own) expect(verdict.message).toMatch(/^[A-Z].*\.$/s);

        const others = new Set(verdicts.map((v) => v.policy).filter((p) => p !== c.policy));
        expect([...others].sort()).toEqual([...(c.alsoViolates ?? [])].sort());
    });
});
