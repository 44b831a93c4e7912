/**
 * Runs the pack's policies over a list of resources the way the Pulumi engine does: resource
 * policies once per resource with its inputs, stack policies once with every resource. Used by
 * the offline preview and the tests, neither of which may start the policy server.
 */
import type {
    EnforcementLevel,
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";

import { policies as allPolicies, Policy } from "./all";

/** A resource as the program registered it. */
export interface PlannedResource {
    type: string;
    name: string;
    /** Defaults to a URN made from type and name. */
    urn?: string;
    /** The URN of the parent resource, if any. */
    parent?: string;
    /** The resource's inputs as plain values (secrets unwrapped, as the engine hands them). */
    props: Record<string, unknown>;
}

export interface PolicyVerdict {
    policy: string;
    /** The resource's name, or "" for a stack-wide finding. */
    resource: string;
    urn: string;
    level: Exclude<EnforcementLevel, "disabled" | "remediate">;
    message: string;
}

/** Runs `policies` (the whole pack by default) over `resources` and returns every violation. */
export async function runPolicies(
    resources: PlannedResource[],
    policies: readonly Policy[] = allPolicies,
): Promise<PolicyVerdict[]> {
    const verdicts: PolicyVerdict[] = [];
    for (const policy of policies) {
        const level = levelOf(policy);
        if (level === undefined) continue;
        const report = (resource: string, urn: string, message: string) =>
            verdicts.push({ policy: policy.name, resource, urn, level, message });
        if ("validateStack" in policy) {
            await runStackPolicy(policy, resources, report);
        } else {
            for (const resource of resources) await runResourcePolicy(policy, resource, report);
        }
    }
    return verdicts;
}

type Report = (resource: string, urn: string, message: string) => void;

function levelOf(policy: Policy): PolicyVerdict["level"] | undefined {
    const level = policy.enforcementLevel ?? "advisory";
    if (level === "disabled") return undefined;
    // The engine reports a violation that remediation did not fix as mandatory.
    return level === "remediate" ? "mandatory" : level;
}

async function runResourcePolicy(
    policy: ResourceValidationPolicy,
    resource: PlannedResource,
    report: Report,
): Promise<void> {
    const validations = [policy.validateResource ?? []].flat();
    for (const validate of validations) {
        const args = resourceValidationArgs(resource);
        const reportHere = (message: string) => report(resource.name, args.urn, message);
        await guarded(policy, () => validate(args, reportHere));
    }
}

async function runStackPolicy(
    policy: StackValidationPolicy,
    resources: PlannedResource[],
    report: Report,
): Promise<void> {
    const args = stackValidationArgs(resources);
    const names = new Map(args.resources.map((r) => [r.urn, r.name]));
    const reportAt = (message: string, urn = "") => report(names.get(urn) ?? "", urn, message);
    await guarded(policy, () => policy.validateStack(args, reportAt));
}

/** Runs one validation; "not applicable" ends it quietly, any other error names the policy. */
async function guarded(policy: Policy, validate: () => Promise<void> | void): Promise<void> {
    try {
        await validate();
    } catch (error) {
        if (error instanceof NotApplicable) return;
        const message = `policy ${policy.name} failed: ${(error as Error).message}`;
        throw new Error(message, { cause: error });
    }
}

class NotApplicable extends Error {}

const secretSig = "4dabf18193072939515e22adb298388d";
const sigKey = "1b47061264138c4ac30d75fd1eb44270";

/** Deep copy with Pulumi's serialized secrets unwrapped, as the policy server hands props over. */
function plain(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(plain);
    if (typeof value !== "object" || value === null) return value;
    const record = value as Record<string, unknown>;
    if (record[sigKey] === secretSig) return plain(record["value"]);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, plain(v)]));
}

export function urnOf(resource: PlannedResource): string {
    return resource.urn ?? `urn:pulumi:offline::mailfort::${resource.type}::${resource.name}`;
}

interface TypedClass {
    new (...args: never[]): unknown;
}

function isTypeFor(type: string) {
    return (resourceClass: TypedClass) =>
        (resourceClass as unknown as { __pulumiType?: string }).__pulumiType === type;
}

function optionsFor(resource: PlannedResource) {
    return {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        parent: resource.parent,
    };
}

function notApplicable(): never {
    throw new NotApplicable();
}

/** The argument bag the engine passes a resource policy. */
export function resourceValidationArgs(resource: PlannedResource): ResourceValidationArgs {
    const props = plain(resource.props) as Record<string, unknown>;
    const isType = isTypeFor(resource.type);
    return {
        type: resource.type,
        props,
        urn: urnOf(resource),
        name: resource.name,
        opts: optionsFor(resource),
        stackTags: new Map(),
        isType,
        asType: ((resourceClass: TypedClass) => (isType(resourceClass) ? props : undefined)) as
            ResourceValidationArgs["asType"],
        getConfig: <T extends object>() => ({}) as T,
        notApplicable,
    };
}

/** The argument bag the engine passes a stack policy, with parents and dependencies linked. */
export function stackValidationArgs(resources: PlannedResource[]): StackValidationArgs {
    const linked: PolicyResource[] = resources.map((resource) => {
        const props = plain(resource.props) as Record<string, unknown>;
        const isType = isTypeFor(resource.type);
        return {
            type: resource.type,
            props,
            urn: urnOf(resource),
            name: resource.name,
            opts: optionsFor(resource),
            dependencies: [],
            propertyDependencies: {},
            isType,
            asType: ((resourceClass: TypedClass) => (isType(resourceClass) ? props : undefined)) as
                PolicyResource["asType"],
        };
    });
    const byUrn = new Map(linked.map((r) => [r.urn, r]));
    for (const resource of linked) {
        const parent = resource.opts.parent ? byUrn.get(resource.opts.parent) : undefined;
        if (parent) resource.parent = parent;
    }
    return {
        resources: linked,
        stackTags: new Map(),
        getConfig: <T extends object>() => ({}) as T,
        notApplicable,
    };
}
