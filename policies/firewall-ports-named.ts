import type { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";

import { mailPorts } from "../components/firewall/render";
import {
    allowedInRuleset,
    connectionPort,
    envValue,
    RulesetPort,
    shippedFirewallEnv,
    shippedRuleset,
} from "./firewall-rules";

const mailPortNumbers = mailPorts.map((p) => p.port);
const reservedNames = ["ssh", ...mailPorts.map((p) => p.name)];
const exceptionName = /^[a-z][a-z0-9-]{1,40}$/;
const fix = "add it to mailfort:firewall.exceptions with a name that says why, or close it";

/**
 * Every open port is attack surface a reviewer should be able to explain. Mail and SSH are the
 * product; anything else needs an exception whose name says why it is open.
 */
export const firewallPortsNamed: ResourceValidationPolicy = {
    name: "firewall-ports-named",
    description: "No port beyond mail and SSH is open without a named exception in config.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const ssh = connectionPort(args);
        const ruleset = shippedRuleset(args);
        if (ruleset !== undefined) {
            for (const port of allowedInRuleset(ruleset)) checkPort(port, ssh, args.name, report);
        }
        const env = shippedFirewallEnv(args);
        if (env !== undefined) checkEnv(env, args.name, report);
    },
};

function isMailOrSsh(port: RulesetPort, ssh: number): boolean {
    return port.protocol === "tcp" && (port.port === ssh || mailPortNumbers.includes(port.port));
}

function checkPort(port: RulesetPort, ssh: number, resource: string, report: ReportViolation) {
    if (isMailOrSsh(port, ssh)) return;
    const named = port.name !== undefined && exceptionName.test(port.name) &&
        !reservedNames.includes(port.name);
    if (!named) {
        report(
            `The nftables ruleset shipped by ${resource} opens ${port.port}/${port.protocol}, ` +
                `which is neither a mail port nor SSH and carries no exception name; ${fix}.`,
        );
    }
}

function checkEnv(env: string, resource: string, report: ReportViolation) {
    for (const port of (envValue(env, "MAIL_PORTS") ?? "").split(/\s+/).filter(Boolean)) {
        if (!mailPortNumbers.includes(Number(port))) {
            report(
                `The UFW parameters shipped by ${resource} list ${port} as a mail port; only ` +
                    `${mailPortNumbers.join(", ")} are mail ports; ${fix}.`,
            );
        }
    }
    for (const entry of (envValue(env, "EXCEPTIONS") ?? "").split(/\s+/).filter(Boolean)) {
        const name = /^\d+\/(tcp|udp):(.+)$/.exec(entry)?.[2];
        if (name === undefined || !exceptionName.test(name)) {
            report(
                `The UFW parameters shipped by ${resource} open ${entry.split(":")[0]} without ` +
                    `an exception name; ${fix}.`,
            );
        }
    }
}
