import type { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";

import { isObject, Props, resourceTypes, stringOf } from "./lib/resources";
import { sshOptions } from "./lib/ssh-options";

const remoteTypes: readonly string[] = [resourceTypes.remoteCommand, resourceTypes.copyToRemote];
const hostKeyHint = "the host's public key from mailfort:hosts[].ssh.hostKey";

/**
 * Without a pinned host key, @pulumi/command and Docker's ssh helper trust whatever answers on
 * the address, and the deployment hands its secrets to it. Both SSH paths must pin the key.
 */
export const requirePinnedSshHostKeys: ResourceValidationPolicy = {
    name: "require-pinned-ssh-host-keys",
    description: "Every SSH connection (remote commands, the Docker provider) pins the host key.",
    enforcementLevel: "mandatory",
    // validateResourceOfType never sees provider resources, so the type is matched by hand.
    validateResource: (args, report) => {
        if (remoteTypes.includes(args.type)) {
            checkConnection(args.props["connection"], args.name, report);
        }
        if (args.type === resourceTypes.dockerProvider) {
            checkDockerProvider(args.props, args.name, report);
        }
    },
};

function checkConnection(connection: unknown, resource: string, report: ReportViolation): void {
    if (!isObject(connection)) return;
    if (!stringOf(connection["hostKey"])?.trim()) {
        report(
            `Remote connection of ${resource} to ${String(connection["host"])} pins no host key ` +
                `and would trust any server; set connection.hostKey to ${hostKeyHint}.`,
        );
    }
    const proxy = connection["proxy"];
    if (isObject(proxy) && !stringOf(proxy["hostKey"])?.trim()) {
        report(
            `Remote connection of ${resource} goes through proxy ${String(proxy["host"])} ` +
                `without a pinned host key; set connection.proxy.hostKey to the proxy's ` +
                `public key.`,
        );
    }
}

function checkDockerProvider(props: Props, provider: string, report: ReportViolation): void {
    const host = stringOf(props["host"]);
    if (!host?.startsWith("ssh://")) return;
    const options = sshOptions(props["sshOpts"]);
    const strict = options.get("stricthostkeychecking")?.toLowerCase();
    if (strict !== "yes") {
        const found = strict === undefined
            ? "does not set StrictHostKeyChecking"
            : `sets StrictHostKeyChecking=${strict}`;
        report(
            `Docker provider ${provider} reaches ${host} but ${found}; add "-o", ` +
                `"StrictHostKeyChecking=yes" to sshOpts.`,
        );
    }
    if (!hasKnownHosts(options)) {
        report(
            `Docker provider ${provider} reaches ${host} without a known host key; add "-o", ` +
                `"KnownHostsCommand=/bin/echo %H <host key>" (or a UserKnownHostsFile holding ` +
                `${hostKeyHint}) to sshOpts.`,
        );
    }
}

/** Whether ssh is told where the host key is; /dev/null and "none" tell it nothing. */
function hasKnownHosts(options: Map<string, string>): boolean {
    const command = options.get("knownhostscommand")?.trim();
    const file = options.get("userknownhostsfile")?.trim();
    const commandGiven = Boolean(command && command !== "none");
    return commandGiven || Boolean(file && !["/dev/null", "none"].includes(file));
}
