/**
 * Change cost: what `pulumi up` would do for typical changes, from two offline-preview builds
 * compared with `preview/diff.ts` (the same comparison `npm run plan -- --diff` offers).
 * Bars: no change touches nothing; an account touches only the accounts file; a Fail2Ban or
 * firewall change touches neither the mail container nor DNS; only a DMS environment change
 * replaces the mail container.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { countChanges, diffBuilds, readBuild, ResourceChange } from "../preview/diff";
import { runPlan } from "./plan";
import { Bar, bar, BenchResult, Figure } from "./result";
import { exampleStack, withChange, writeStack } from "./stacks";

const accountsFile = "mail-mail-accounts-opt-mailfort-dms-config-postfix-accounts-cf";
const mailContainer = "mail-mail-container";

interface Scenario {
    name: string;
    stack: ReturnType<typeof exampleStack>;
    judge: (changes: ResourceChange[]) => Bar;
}

const touched = (changes: ResourceChange[]) => changes.filter((c) => c.change !== "same");
const isDns = (c: ResourceChange) => c.type.startsWith("cloudflare:");

const scenarios: Scenario[] = [
    {
        name: "no change",
        stack: exampleStack(),
        judge: (changes) =>
            bar(
                "no change touches nothing",
                touched(changes).length,
                0,
                touched(changes).length === 0,
            ),
    },
    {
        name: "account added",
        stack: withChange("accounts", [
            ...(exampleStack().config["mailfort:accounts"] as unknown[]),
            { address: "new@example.com" },
        ]),
        judge: (changes) => {
            // The new account's salt and password are new state, not changes on the host.
            const onHost = touched(changes).filter((c) => c.change !== "create");
            const ok =
                onHost.length === 1 &&
                onHost[0]?.name === accountsFile &&
                onHost[0].change === "update";
            return bar("an account touches only the accounts file", onHost.length, 1, ok);
        },
    },
    {
        name: "Fail2Ban threshold changed",
        stack: withChange("fail2ban", { maxretry: 4 }),
        judge: (changes) => untouchedMailAndDns("a Fail2Ban change", changes),
    },
    {
        name: "firewall limit changed",
        stack: withChange("firewall", { synRatePerSecond: 20 }),
        judge: (changes) => untouchedMailAndDns("a firewall change", changes),
    },
    {
        name: "TLS level changed",
        stack: withChange("mail", { tlsLevel: "intermediate" }),
        judge: (changes) => {
            const replaced = touched(changes).filter((c) => c.change === "replace");
            const ok = replaced.length === 1 && replaced[0]?.name === mailContainer;
            return bar(
                "a DMS environment change replaces the mail container and nothing else",
                replaced.length,
                1,
                ok,
            );
        },
    },
];

function untouchedMailAndDns(what: string, changes: ResourceChange[]): Bar {
    const bad = touched(changes).filter((c) => c.name === mailContainer || isDns(c));
    return bar(
        `${what} touches neither the mail container nor DNS`,
        bad.length,
        0,
        bad.length === 0 && touched(changes).length > 0,
    );
}

export async function run(): Promise<BenchResult> {
    const work = mkdtempSync(join(tmpdir(), "mailfort-bench-change-"));
    try {
        const out = join(work, "build");
        const baseConfig = writeStack(work, "base", exampleStack());
        plan(["--stack", "base", "--config", baseConfig, "--out", out]);
        const base = readBuild(join(out, "base"));
        const figures: Figure[] = [];
        const bars: Bar[] = [];
        for (const scenario of scenarios) {
            const name = scenario.name.replace(/\W+/g, "-");
            const config = writeStack(work, name, scenario.stack);
            // Same preview keys as the base build: like one Pulumi state across both plans.
            plan(["--stack", "base", "--config", config, "--out", join(work, name)], out);
            const changes = diffBuilds(base, readBuild(join(work, name, "base")));
            const counts = countChanges(changes);
            for (const kind of ["replace", "update", "same"] as const) {
                figures.push({
                    label: `${scenario.name}: ${kind}`,
                    value: counts[kind],
                    unit: "resources",
                });
            }
            bars.push(scenario.judge(changes));
        }
        return {
            name: "change cost",
            figures,
            bars,
            notes: [
                "replace/update follow the providers' rules for the inputs mailfort sets " +
                    "(preview/diff.ts); creates of new state (an account's salt) are not " +
                    "host changes",
            ],
        };
    } finally {
        rmSync(work, { recursive: true, force: true });
    }
}

/** Plans into `args`' out folder, reusing the preview keys of `keysFrom` when given. */
function plan(args: string[], keysFrom?: string): void {
    const withKeys = keysFrom ? [...args, "--keys", join(keysFrom, ".preview-keys")] : args;
    const result = runPlan(withKeys);
    // A mandatory policy violation (exit 1) still writes the build; only errors stop here.
    if (result.status !== 0 && result.status !== 1) {
        throw new Error(`plan failed (${result.status}):\n${result.output.slice(-2000)}`);
    }
}
