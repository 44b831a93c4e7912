/**
 * Runs the stack's root component under Pulumi's mock runtime for a given config, the way the
 * offline preview runs `index.ts`, and returns what it declared. Mocks stand in for Docker, the
 * VPS and Cloudflare, which cannot run here.
 */
import { Mailfort } from "../../components/stack";
import type { StackConfig } from "../../config";
import { PlannedResource, runProgram } from "../../preview/run";

export async function planStack(config: StackConfig): Promise<PlannedResource[]> {
    const run = await runProgram("test", { config: {}, secretKeys: [] }, () => {
        new Mailfort("mailfort", { config });
    });
    return run.resources;
}

export function byName(resources: PlannedResource[], name: string): PlannedResource {
    const found = resources.find((r) => r.name === name);
    if (!found)
        throw new Error(
            `no resource named ${name}; have ${resources.map((r) => r.name).join(", ")}`,
        );
    return found;
}

/** Resources whose inputs differ between two plans, by name (added and removed included). */
export function changedResources(before: PlannedResource[], after: PlannedResource[]): string[] {
    const old = new Map(before.map((r) => [r.name, JSON.stringify(r.inputs)]));
    const now = new Map(after.map((r) => [r.name, JSON.stringify(r.inputs)]));
    const names = new Set([...old.keys(), ...now.keys()]);
    return [...names].filter((name) => old.get(name) !== now.get(name)).sort();
}
