/**
 * mailfort's own filters against their annotated sample files (test/fail2ban/samples/<filter>,
 * upstream's failJSON format): lines that must match with the expected client, lines that must
 * not, and log-injection attempts whose attacker text names 198.51.100.7, which no filter may
 * ever extract.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { staticFiles } from "../../components/fail2ban";
import { requireTools } from "../support/system";
import { samplesDir } from "./fixture";
import {
    checkLines,
    filterDefaults,
    normalise,
    readSamples,
    runFilter,
    stageConfDir,
} from "./harness";

/** The innocent address every injection sample tries to get banned. */
const innocent = "198.51.100.7";

const customFilters = staticFiles()
    .filter((f) => f.relative.startsWith("filter.d/"))
    .map((f) => path.basename(f.relative, ".conf"));

describe("mailfort filters on their own samples", () => {
    let confDir = "";

    beforeAll(() => {
        requireTools({ "fail2ban-regex": "fail2ban" });
        confDir = stageConfDir("mff2b-samples");
    });

    afterAll(() => {
        if (confDir) fs.rmSync(confDir, { recursive: true, force: true });
    });

    it("every custom filter has samples with matches, non-matches and injections", () => {
        for (const filter of customFilters) {
            const samples = readSamples(samplesDir, filter);
            const expects = samples.map((s) => s.expect);
            expect(expects.every((e) => e !== undefined), `${filter}: bare line`).toBe(true);
            expect(expects.filter((e) => e?.match).length, filter).toBeGreaterThan(2);
            expect(expects.filter((e) => e && !e.match).length, filter).toBeGreaterThan(2);
            expect(samples.filter((s) => s.text.includes(innocent)).length, filter)
                .toBeGreaterThan(1);
        }
    });

    for (const filter of customFilters) {
        it(`${filter} does what its samples say`, () => {
            const samples = readSamples(samplesDir, filter);
            const defaults = filterDefaults(confDir, filter);
            const result = checkLines(confDir, filter, filter, normalise({}, defaults), samples);
            expect(result.mismatches).toEqual([]);
            expect(result.checked.length).toBe(samples.length);
        });
    }

    it("no filter extracts the innocent address from any sample", () => {
        const lines = customFilters.flatMap((f) => readSamples(samplesDir, f)).map((s) => s.text);
        for (const filter of customFilters) {
            const { verdicts } = runFilter(confDir, filter, lines);
            expect(verdicts.filter((v) => v.host === innocent), filter).toEqual([]);
        }
    });

    it("the harness reports a line whose annotation is wrong", () => {
        const [line] = readSamples(samplesDir, "mailfort-postfix-rate-limit");
        if (!line?.expect) throw new Error("the rate-limit samples lost their first annotation");
        const wrong = { ...line, expect: { match: true, host: "192.0.2.99" } };
        const result = checkLines(confDir, "mailfort-postfix-rate-limit", "x", {}, [wrong]);
        expect(result.mismatches.map((m) => m.got)).toEqual([`match ${line.expect.host}`]);
    });
});
