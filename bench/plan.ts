/** Runs `npm run plan`'s program the way an operator does, measuring wall time and peak memory. */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

import { repoRoot } from "./stacks";

export interface PlanRun {
    status: number | null;
    seconds: number;
    /** Peak resident memory of the plan process, from GNU time. */
    peakMiB: number;
    output: string;
}

const gnuTime = "/usr/bin/time";

export function runPlan(args: string[]): PlanRun {
    if (!existsSync(gnuTime)) {
        throw new Error("the preview benchmark needs GNU time (Debian package time)");
    }
    const tsx = join(repoRoot, "node_modules", ".bin", "tsx");
    const result = spawnSync(
        gnuTime,
        ["-f", "mailfort-time %e %M", tsx, "preview/plan.ts", ...args],
        {
            cwd: repoRoot,
            encoding: "utf8",
            timeout: 600_000,
        },
    );
    const match = /mailfort-time ([\d.]+) (\d+)/.exec(result.stderr);
    if (!match) throw new Error(`plan did not finish: ${result.stderr.slice(-500)}`);
    return {
        status: result.status,
        seconds: Number(match[1]),
        peakMiB: Number(match[2]) / 1024,
        output: result.stdout + result.stderr,
    };
}
