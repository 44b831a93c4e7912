/**
 * Compares two offline-preview builds and says what `pulumi up` would do to each resource:
 * create, delete, replace, update or leave alone. The replace rules follow the providers'
 * schemas for the inputs mailfort sets; the summary is Markdown, fit for a pull-request comment.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

interface BuiltResource {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
}

export type Change = "create" | "delete" | "replace" | "update" | "same";

export interface ResourceChange {
    type: string;
    name: string;
    change: Change;
    /** Inputs whose value differs. */
    inputs: string[];
}

/** Inputs a change of which the provider cannot apply in place. `*` means every input. */
const replacingInputs: Record<string, string[]> = {
    // Docker re-creates a container for almost any change; labels carry config digests.
    "docker:index/container:Container": ["*"],
    "docker:index/remoteImage:RemoteImage": ["name", "platform"],
    "docker:index/volume:Volume": ["*"],
    "tls:index/privateKey:PrivateKey": ["*"],
    "random:index/randomPassword:RandomPassword": ["*"],
    "random:index/randomString:RandomString": ["*"],
    "cloudflare:index/dnsRecord:DnsRecord": ["zoneId"],
    "cloudflare:index/apiToken:ApiToken": [],
    // With an `update` command set, changed triggers update in place; without one they replace.
    "command:remote:Command": ["triggers?"],
    "pulumi:providers:docker": [],
};

export function readBuild(folder: string): BuiltResource[] {
    return JSON.parse(readFileSync(join(folder, "plan.json"), "utf8")) as BuiltResource[];
}

export function diffBuilds(before: BuiltResource[], after: BuiltResource[]): ResourceChange[] {
    const key = (r: BuiltResource) => `${r.type}::${r.name}`;
    const old = new Map(before.map((r) => [key(r), r]));
    const now = new Map(after.map((r) => [key(r), r]));
    const changes: ResourceChange[] = [];
    for (const [k, r] of now) {
        const previous = old.get(k);
        changes.push(
            previous
                ? compare(previous, r)
                : { type: r.type, name: r.name, change: "create", inputs: [] },
        );
    }
    for (const [k, r] of old) {
        if (!now.has(k)) changes.push({ type: r.type, name: r.name, change: "delete", inputs: [] });
    }
    return changes;
}

function compare(before: BuiltResource, after: BuiltResource): ResourceChange {
    const names = new Set([...Object.keys(before.inputs), ...Object.keys(after.inputs)]);
    const differing = [...names]
        .filter((n) => JSON.stringify(before.inputs[n]) !== JSON.stringify(after.inputs[n]))
        .sort();
    const base = { type: after.type, name: after.name, inputs: differing };
    if (differing.length === 0) return { ...base, change: "same" };
    return { ...base, change: replaces(after, differing) ? "replace" : "update" };
}

function replaces(resource: BuiltResource, differing: string[]): boolean {
    const rule = replacingInputs[resource.type] ?? ["*"];
    if (rule.includes("*")) return true;
    if (rule.includes("triggers?") && differing.includes("triggers"))
        return !resource.inputs.update;
    return differing.some((input) => rule.includes(input));
}

export function countChanges(changes: ResourceChange[]): Record<Change, number> {
    const counts: Record<Change, number> = { create: 0, delete: 0, replace: 0, update: 0, same: 0 };
    for (const c of changes) counts[c.change]++;
    return counts;
}

/** A Markdown summary: counts, then every resource that changes and the inputs that differ. */
export function changeSummary(changes: ResourceChange[], label: string): string {
    const counts = countChanges(changes);
    const lines = [
        `### mailfort change summary: ${label}`,
        "",
        `${counts.create} to create, ${counts.replace} to replace, ${counts.update} to update, ` +
            `${counts.delete} to delete, ${counts.same} unchanged.`,
    ];
    const touched = changes.filter((c) => c.change !== "same");
    if (touched.length > 0) {
        lines.push("", "| change | resource | type | inputs |", "|---|---|---|---|");
        for (const c of touched.sort(
            (a, b) => a.change.localeCompare(b.change) || a.name.localeCompare(b.name),
        )) {
            lines.push(`| ${c.change} | \`${c.name}\` | \`${c.type}\` | ${c.inputs.join(", ")} |`);
        }
    }
    return lines.join("\n") + "\n";
}
