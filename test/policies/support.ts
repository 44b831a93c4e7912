/**
 * Calls one policy's validation directly with the argument bag the engine would build, and
 * collects what it reports. Never constructs a PolicyPack (that starts the policy server).
 */
import type { Policy } from "../../policies/all";
import {
    PlannedResource,
    resourceValidationArgs,
    stackValidationArgs,
} from "../../policies/run";

export const containerType = "docker:index/container:Container";

/** The messages `policy` reports for one resource of `type` with `props`. */
export async function violations(
    policy: Policy,
    type: string,
    props: Record<string, unknown>,
    name = "under-test",
): Promise<string[]> {
    return violationsIn(policy, [{ type, name, props }]);
}

/** The messages `policy` reports over a list of resources, as the engine would run it. */
export async function violationsIn(
    policy: Policy,
    resources: PlannedResource[],
): Promise<string[]> {
    const messages: string[] = [];
    const report = (message: string) => void messages.push(message);
    if ("validateStack" in policy) {
        await policy.validateStack(stackValidationArgs(resources), report);
        return messages;
    }
    for (const resource of resources) {
        for (const validate of [policy.validateResource ?? []].flat()) {
            await validate(resourceValidationArgs(resource), report);
        }
    }
    return messages;
}

/** Replaces (or with `undefined`, removes) one `KEY=VALUE` entry of a container's envs. */
export function setEnv(container: PlannedResource, key: string, value: string | undefined): void {
    const envs = (container.props["envs"] as string[] | undefined) ?? [];
    const kept = envs.filter((entry) => entry.split("=")[0] !== key);
    container.props["envs"] = value === undefined ? kept : [...kept, `${key}=${value}`];
}
