/**
 * Preview cost: `npm run plan` for a stack of 1 host and of 10 hosts, wall time and peak memory.
 * Bar: 10 hosts under 3x the time of 1 host (the per-host work must not grow with host count).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { runPlan } from "./plan";
import { bar, BenchResult } from "./result";
import { withHosts, writeStack } from "./stacks";

const repetitions = Number(
    process.env.MAILFORT_BENCH_REPEAT ?? (process.env.MAILFORT_BENCH_QUICK ? 1 : 3),
);

export async function run(): Promise<BenchResult> {
    const work = mkdtempSync(join(tmpdir(), "mailfort-bench-preview-"));
    try {
        const one = measure(work, 1);
        const ten = measure(work, 10);
        return {
            name: "preview cost",
            figures: [
                { label: "npm run plan, 1 host: wall time", value: one.seconds, unit: "s" },
                { label: "npm run plan, 1 host: peak memory", value: one.peakMiB, unit: "MiB" },
                { label: "npm run plan, 1 host: resources", value: one.resources, unit: "" },
                { label: "npm run plan, 10 hosts: wall time", value: ten.seconds, unit: "s" },
                { label: "npm run plan, 10 hosts: peak memory", value: ten.peakMiB, unit: "MiB" },
                { label: "npm run plan, 10 hosts: resources", value: ten.resources, unit: "" },
            ],
            bars: [
                bar(
                    "10 hosts take under 3x the time of 1 host",
                    ten.seconds / one.seconds,
                    3,
                    ten.seconds < 3 * one.seconds,
                ),
            ],
            notes: [`median of ${repetitions} run(s) each; time includes starting Node and tsx`],
        };
    } finally {
        rmSync(work, { recursive: true, force: true });
    }
}

function measure(work: string, hosts: number) {
    const config = writeStack(work, `hosts${hosts}`, withHosts(hosts));
    const runs = Array.from({ length: repetitions }, () =>
        runPlan(["--stack", `hosts${hosts}`, "--config", config, "--out", join(work, "build")]),
    );
    for (const r of runs) {
        if (r.status !== 0)
            throw new Error(`plan of ${hosts} host(s) failed:\n${r.output.slice(-2000)}`);
    }
    const resources = Number(/(\d+) resources/.exec(runs[0]!.output)?.[1] ?? Number.NaN);
    return {
        seconds: median(runs.map((r) => r.seconds)),
        peakMiB: median(runs.map((r) => r.peakMiB)),
        resources,
    };
}

export function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
