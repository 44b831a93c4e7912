import type { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";

import {
    allowedInRuleset,
    connectionPort,
    envValue,
    shippedFirewallEnv,
    shippedRuleset,
} from "./firewall-rules";

/**
 * A firewall that does not allow the port Pulumi connects on locks the operator out; the lockout
 * guard would roll it back, but the deployment would fail every time. Caught before anything
 * reaches the host: the rendered nftables allow-list and UFW's SSH port must both name it.
 */
export const firewallSshAllowed: ResourceValidationPolicy = {
    name: "firewall-ssh-allowed",
    description: "The host firewall allows the SSH port Pulumi connects on before it is enabled.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const port = connectionPort(args);
        const ruleset = shippedRuleset(args);
        if (ruleset !== undefined) checkRuleset(ruleset, port, args.name, report);
        const env = shippedFirewallEnv(args);
        if (env !== undefined) checkEnv(env, port, args.name, report);
    },
};

function checkRuleset(ruleset: string, port: number, resource: string, report: ReportViolation) {
    const allowed = allowedInRuleset(ruleset).some((p) => p.protocol === "tcp" && p.port === port);
    if (!allowed) {
        report(
            `The nftables ruleset shipped by ${resource} does not allow TCP port ${port}, ` +
                `the SSH port Pulumi connects on, so enabling it locks the deployment out; set ` +
                `mailfort:hosts[].ssh.port to the port sshd listens on.`,
        );
    }
}

function checkEnv(env: string, port: number, resource: string, report: ReportViolation) {
    const sshPort = envValue(env, "SSH_PORT");
    if (sshPort !== String(port)) {
        report(
            `The UFW parameters shipped by ${resource} open SSH on port ${sshPort ?? "(none)"} ` +
                `but Pulumi connects on port ${port}, so enabling UFW locks the deployment out; ` +
                `set mailfort:hosts[].ssh.port to the port sshd listens on.`,
        );
    }
}
