/**
 * `npm run bench`: every benchmark, one after another (they share two cores), printed as one
 * table of figures and bars and written to `build/bench.json`. The namespace benchmarks need
 * root; run it as root after the README's set-up (`npm test` installs what they use).
 * `npm run bench -- NAME...` runs only the named benchmarks.
 */
import { cpus, loadavg, totalmem } from "node:os";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { BenchResult } from "./result";
import * as banScale from "./ban-scale";
import * as changeCost from "./change-cost";
import * as filterSpeed from "./filter-speed";
import * as monitoringCost from "./monitoring-cost";
import * as previewCost from "./preview-cost";

const benchmarks: Record<string, { run: () => Promise<BenchResult>; needsRoot: boolean }> = {
    "ban-scale": { run: banScale.run, needsRoot: true },
    "filter-speed": { run: filterSpeed.run, needsRoot: false },
    "monitoring-cost": { run: monitoringCost.run, needsRoot: false },
    "preview-cost": { run: previewCost.run, needsRoot: false },
    "change-cost": { run: changeCost.run, needsRoot: false },
};

async function main(): Promise<number> {
    const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
    const names = wanted.length > 0 ? wanted : Object.keys(benchmarks);
    const unknown = names.filter((n) => !benchmarks[n]);
    if (unknown.length > 0) {
        console.error(
            `unknown benchmark(s) ${unknown.join(", ")}; ` +
                `have ${Object.keys(benchmarks).join(", ")}`,
        );
        return 2;
    }
    if (names.some((n) => benchmarks[n]!.needsRoot) && process.getuid?.() !== 0) {
        console.error(
            "npm run bench needs root for its network-namespace benchmarks: run it as root",
        );
        return 2;
    }
    const results: BenchResult[] = [];
    for (const name of names) {
        const started = Date.now();
        console.error(`[bench] ${name}...`);
        results.push(await benchmarks[name]!.run());
        console.error(`[bench] ${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    const report = { machine: machine(), results };
    mkdirSync(join(__dirname, "..", "build"), { recursive: true });
    writeFileSync(
        join(__dirname, "..", "build", "bench.json"),
        JSON.stringify(report, null, 2) + "\n",
    );
    console.log(table(results));
    const bars = results.flatMap((r) => r.bars);
    const failed = bars.filter((b) => !b.holds);
    console.log(`\n${bars.length - failed.length} bars hold, ${failed.length} do not.`);
    return 0;
}

function machine() {
    return {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? "unknown",
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
        node: process.version,
        date: new Date().toISOString(),
    };
}

function table(results: BenchResult[]): string {
    const lines: string[] = [];
    for (const r of results) {
        lines.push("", `== ${r.name}`);
        for (const f of r.figures)
            lines.push(`  ${f.label.padEnd(64)} ${format(f.value).padStart(12)} ${f.unit}`);
        for (const b of r.bars) {
            lines.push(
                `  [${b.holds ? "holds" : "FAILS"}] ${b.description} ` +
                    `(measured ${b.measured}, bar ${b.limit})`,
            );
        }
        for (const n of r.notes) lines.push(`  note: ${n}`);
    }
    return lines.join("\n");
}

function format(value: number): string {
    if (!Number.isFinite(value)) return String(value);
    return Math.abs(value) >= 100
        ? value.toFixed(0)
        : value.toFixed(Number.isInteger(value) ? 0 : 2);
}

main().then(
    (code) => process.exit(code),
    (error: unknown) => {
        console.error(error);
        process.exit(1);
    },
);
