/**
 * What the policies know about the resources mailfort creates: their type tokens and small
 * readers for the shapes their inputs take once CrossGuard hands them over as plain JSON.
 */

/** Type tokens of the resources the policies look at. */
export const resourceTypes = {
    container: "docker:index/container:Container",
    remoteImage: "docker:index/remoteImage:RemoteImage",
    dockerProvider: "pulumi:providers:docker",
    dnsRecord: "cloudflare:index/dnsRecord:DnsRecord",
    privateKey: "tls:index/privateKey:PrivateKey",
    remoteCommand: "command:remote:Command",
    copyToRemote: "command:remote:CopyToRemote",
} as const;

/** The container label that says what a container is for. */
export const roleLabel = "mailfort.role";

export type Props = Record<string, unknown>;

/** The value of a container label, from Docker's `labels: [{label, value}]` list. */
export function containerLabel(props: Props, label: string): string | undefined {
    for (const entry of listOf(props["labels"])) {
        if (isObject(entry) && entry["label"] === label && typeof entry["value"] === "string") {
            return entry["value"];
        }
    }
    return undefined;
}

export function containerRole(props: Props): string | undefined {
    return containerLabel(props, roleLabel);
}

/**
 * Whether a container is the docker-mailserver one. The role label decides; the fixed container
 * name is a second way in so that losing the label does not switch the DMS policies off.
 */
export function isMailContainer(props: Props): boolean {
    return containerRole(props) === "mailserver" || props["name"] === "mailserver";
}

/** A display name for a container in messages. */
export function containerName(props: Props, fallback: string): string {
    return typeof props["name"] === "string" ? props["name"] : fallback;
}

export function listOf(value: unknown): unknown[] {
    return Array.isArray(value) ? value : [];
}

export function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function stringOf(value: unknown): string | undefined {
    return typeof value === "string" ? value : undefined;
}
