/**
 * Runs the real program (`index.ts`) under Pulumi's mock runtime and records every resource it
 * declares: type, name, parent, dependencies and inputs. No CLI, no credentials, no network.
 */
import * as pulumi from "@pulumi/pulumi";

import { PreviewMocks } from "./mocks";
import type { StackFile } from "./stack-file";

export interface PlannedResource {
    type: string;
    name: string;
    /** Name of the parent resource; the stack itself for top-level ones. */
    parent: string;
    dependsOn: string[];
    custom: boolean;
    /** Inputs as the provider would receive them (secrets included: redact before writing). */
    inputs: Record<string, unknown>;
}

export interface ProgramRun {
    resources: PlannedResource[];
    outputs: Record<string, unknown>;
}

/**
 * Runs `program` (by default: imports the program file) as the body of a mocked stack.
 * @param file The stack config the program reads through `pulumi.Config`.
 */
export async function runProgram(
    stack: string,
    file: StackFile,
    program: string | (() => unknown),
): Promise<ProgramRun> {
    pulumi.runtime.setAllConfig(file.config, file.secretKeys);
    const mocks = new PreviewMocks();
    await pulumi.runtime.setMocks(mocks, "mailfort", stack, true);

    const graph = new Map<string, { parent: string; dependsOn: string[] }>();
    const names = new WeakMap<pulumi.Resource, string>();
    const outputs = await pulumi.runtime.runInPulumiStack(async () => {
        pulumi.runtime.registerStackTransformation((args) => {
            names.set(args.resource, args.name);
            graph.set(`${args.type}::${args.name}`, {
                parent: (args.opts.parent && names.get(args.opts.parent)) ?? `mailfort-${stack}`,
                dependsOn: dependencyNames(args.opts.dependsOn, names),
            });
            return undefined;
        });
        return typeof program === "string" ? await import(program) : await program();
    });
    await settle();

    const resources = mocks.recorded
        .filter((r) => r.type !== "pulumi:pulumi:Stack")
        .map(
            (r): PlannedResource => ({
                ...r,
                ...(graph.get(`${r.type}::${r.name}`) ?? providerNode(r.name, graph)),
            }),
        );
    return { resources, outputs: await resolveOutputs(outputs ?? {}) };
}

/** Providers are not transformed; they belong to whichever component names them. */
function providerNode(name: string, graph: Map<string, { parent: string }>) {
    const owner = [...graph.entries()].find(([key]) => name.startsWith(key.split("::")[1] ?? "\0"));
    return { parent: owner?.[0].split("::")[1] ?? "", dependsOn: [] };
}

function dependencyNames(
    dependsOn: pulumi.ResourceOptions["dependsOn"],
    names: WeakMap<pulumi.Resource, string>,
): string[] {
    const list = Array.isArray(dependsOn) ? dependsOn : dependsOn ? [dependsOn] : [];
    return list.flatMap((d) => (pulumi.Resource.isInstance(d) ? [names.get(d) ?? "?"] : []));
}

/** Lets every pending output and registration finish before the resources are read. */
async function settle(): Promise<void> {
    for (let round = 0; round < 20; round++) await new Promise((resolve) => setImmediate(resolve));
}

async function resolveOutputs(outputs: Record<string, unknown>): Promise<Record<string, unknown>> {
    const entries = await Promise.all(
        Object.entries(outputs).map(async ([key, value]) => [key, await unwrap(value)] as const),
    );
    return Object.fromEntries(entries);
}

function unwrap(value: unknown): Promise<unknown> {
    if (!pulumi.Output.isInstance(value)) return Promise.resolve(value);
    return new Promise((resolve) => (value as pulumi.Output<unknown>).apply((v) => resolve(v)));
}
