import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";

import { policies } from "../../policies/all";
import { allFailingCases as cases } from "./all-cases";

const allFailingCases = async () => cases;

describe("the policy pack", () => {
    it("runs every area's cases file", () => {
        const files = readdirSync(__dirname).filter((file) => file.endsWith(".cases.ts"));
        expect(files).toEqual(["firewall.cases.ts"]);
    });

    it("has a failing case for every policy", async () => {
        const covered = new Set((await allFailingCases()).map((c) => c.policy));
        const uncovered = policies.map((p) => p.name).filter((name) => !covered.has(name));
        expect(uncovered).toEqual([]);
    });

    it("names no policy in a failing case that the pack does not have", async () => {
        const names = new Set(policies.map((p) => p.name));
        const named = (await allFailingCases()).map((c) => c.policy);
        const unknown = named.filter((name) => !names.has(name));
        expect(unknown).toEqual([]);
    });

    it("gives every policy a unique kebab-case name, a description and a level", () => {
        const names = policies.map((p) => p.name);
        expect(new Set(names).size).toBe(names.length);
        for (const policy of policies) {
            expect(policy.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)+$/);
            expect(policy.description).toMatch(/^[A-Z].*\.$/);
            expect(["mandatory", "advisory"]).toContain(policy.enforcementLevel);
        }
    });

    it("makes every policy mandatory except the DMARC p=none advice", () => {
        const advisory = policies
            .filter((policy) => policy.enforcementLevel === "advisory")
            .map((policy) => policy.name);
        expect(advisory).toEqual(["advise-dmarc-enforcement"]);
    });
});
