/**
 * What the firewall policies read: the rendered ruleset and script parameters exactly as the
 * `Firewall` component ships them, i.e. the stdin of the remote command that installs each file.
 */
import type { ResourceValidationArgs } from "@pulumi/policy";

import { firewallEnv, firewallRuleset } from "../components/firewall/render";
import { parseInstallCommand } from "../components/host/files";
import { isObject, resourceTypes, stringOf } from "./lib/resources";

/** One element of `allowed_tcp` / `allowed_udp`: the port and the reason in its comment. */
export interface RulesetPort {
    port: number;
    protocol: "tcp" | "udp";
    name: string | undefined;
}

/** What the firewall policies need of a resource; both validation and stack args have it. */
export type ShippingResource = Pick<ResourceValidationArgs, "type" | "props">;

/** The file a remote command installs and its content, when it installs `path`. */
export function shippedFile(args: ShippingResource, path: string): string | undefined {
    if (args.type !== resourceTypes.remoteCommand) return undefined;
    const install = parseInstallCommand(stringOf(args.props["create"]) ?? "");
    if (install?.path !== path) return undefined;
    return stringOf(args.props["stdin"]) ?? "";
}

export function shippedRuleset(args: ShippingResource): string | undefined {
    return shippedFile(args, firewallRuleset);
}

export function shippedFirewallEnv(args: ShippingResource): string | undefined {
    return shippedFile(args, firewallEnv);
}

/** The port Pulumi's SSH connection uses: the one the firewall must never close. */
export function connectionPort(args: ResourceValidationArgs): number {
    const connection = args.props["connection"];
    const port = isObject(connection) ? Number(connection["port"] ?? 22) : 22;
    return Number.isInteger(port) ? port : 22;
}

/** The allow-list of a rendered ruleset, from its `define allowed_tcp/udp = { ... }` lines. */
export function allowedInRuleset(ruleset: string): RulesetPort[] {
    return (["tcp", "udp"] as const).flatMap((protocol) => {
        const define = new RegExp(`^define allowed_${protocol} = \\{([^}]*)\\}`, "m");
        const elements = (define.exec(ruleset)?.[1] ?? "").split(",").map((e) => e.trim());
        return elements.filter(Boolean).map((element) => {
            const match = /^(\d+)(?:\s+comment\s+"([^"]*)")?$/.exec(element);
            return { port: Number(match?.[1] ?? Number.NaN), protocol, name: match?.[2] };
        });
    });
}

/** One `KEY=value` (quotes removed) of the rendered firewall.env. */
export function envValue(env: string, key: string): string | undefined {
    const match = new RegExp(`^${key}="?([^"\\n]*)"?$`, "m").exec(env);
    return match?.[1];
}
