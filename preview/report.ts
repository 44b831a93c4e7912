/**
 * Writes what the offline preview found into `build/<stack>/`: the resource plan, the policy
 * verdicts, every file as it would land on each host, and the DNS records as a zone file.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

import { parseInstallCommand } from "../components/host/files";
import { ResolvedRecord, zoneFile } from "../components/dns/records";
import type { PolicyVerdict } from "../policies/run";
import type { PlannedResource } from "./run";
import { Fingerprint, isSecretValue, redact, redactionNotice } from "./secrets";

export interface HostFileOnDisk {
    host: string;
    path: string;
    mode: string;
    owner: string;
    secret: boolean;
    content: string;
}

/** Every file the program ships, found through the install commands of `HostFiles`. */
export function plannedHostFiles(
    resources: PlannedResource[],
    hostsByAddress: Record<string, string>,
) {
    return resources.flatMap((r): HostFileOnDisk[] => {
        if (r.type !== "command:remote:Command") return [];
        const target = parseInstallCommand(String(r.inputs.create ?? ""));
        if (!target) return [];
        const connection = plain(r.inputs.connection) as { host?: string } | undefined;
        const secret = isSecretValue(r.inputs.stdin) || r.inputs.logging === "none";
        return [
            {
                host: hostsByAddress[connection?.host ?? ""] ?? connection?.host ?? "unknown-host",
                path: target.path,
                mode: target.mode,
                owner: `${target.owner}:${target.group}`,
                secret,
                content: secret ? `${redactionNotice}\n` : String(plain(r.inputs.stdin) ?? ""),
            },
        ];
    });
}

/** The records the program gives Cloudflare, read back from the resources' inputs. */
export function plannedRecords(resources: PlannedResource[]): ResolvedRecord[] {
    return resources
        .filter((r) => r.type === "cloudflare:index/dnsRecord:DnsRecord")
        .map((r) => {
            const i = plain(r.inputs) as ResolvedRecord & { comment?: string };
            return {
                zone: "",
                name: i.name,
                type: i.type,
                content: i.content,
                priority: i.priority,
                data: i.data,
                ttl: i.ttl,
                purpose: String(i.comment ?? "").replace(/^mailfort /, ""),
            };
        });
}

export function writeBuild(
    folder: string,
    resources: PlannedResource[],
    verdicts: PolicyVerdict[],
    files: HostFileOnDisk[],
    records: ResolvedRecord[],
    fingerprint?: Fingerprint,
): void {
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder, { recursive: true });
    const planJson = resources.map((r) => ({
        type: r.type,
        name: r.name,
        parent: r.parent,
        dependsOn: r.dependsOn,
        inputs: redact(r.inputs, fingerprint),
    }));
    writeFileSync(join(folder, "plan.json"), JSON.stringify(planJson, null, 2) + "\n");
    writeFileSync(join(folder, "policy-report.json"), JSON.stringify(verdicts, null, 2) + "\n");
    writeFileSync(join(folder, "dns.zone"), zoneFile(records));
    for (const file of files) {
        const target = join(folder, "hosts", file.host, file.path);
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, file.content, { mode: 0o644 });
    }
    writeFileSync(join(folder, "hosts", "MANIFEST"), manifest(files));
}

/** Mode and owner of each file, which the build folder itself cannot carry. */
function manifest(files: HostFileOnDisk[]): string {
    return (
        files
            .map(
                (f) =>
                    `${f.host}\t${f.mode}\t${f.owner}\t${f.secret ? "secret" : "plain"}\t${f.path}`,
            )
            .sort()
            .join("\n") + "\n"
    );
}

/** The resource tree, indented by parentage. */
export function resourceTree(resources: PlannedResource[], root: string): string {
    const children = new Map<string, PlannedResource[]>();
    for (const r of resources) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
    const lines: string[] = [root];
    const walk = (parent: string, depth: number) => {
        for (const r of children.get(parent) ?? []) {
            lines.push(`${"  ".repeat(depth)}${r.custom ? "+" : "#"} ${r.type} ${r.name}`);
            walk(r.name, depth + 1);
        }
    };
    walk(root, 1);
    return lines.join("\n");
}

function plain(value: unknown): unknown {
    return isSecretValue(value) ? value.value : value;
}
