import type { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";

import { containerName, containerRole, isObject, listOf, resourceTypes } from "./lib/resources";

/** SMTP, submissions (implicit TLS), submission and IMAPS: what a mail host offers the world. */
export const mailPorts: readonly number[] = [25, 465, 587, 993];
/** HTTPS is only for the container that serves the MTA-STS policy (RFC 8461). */
export const mtaStsRole = "mta-sts";

/**
 * Docker-published ports bypass the host firewall's INPUT rules, so what a container publishes is
 * what the internet reaches. Admin UIs (Rspamd, ClamAV, Dovecot's doveadm) stay unpublished.
 */
export const allowOnlyMailPorts: ResourceValidationPolicy = {
    name: "allow-only-mail-ports",
    description: "Containers publish only 25, 465, 587 and 993 (443 only for MTA-STS).",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type !== resourceTypes.container) return;
        const container = containerName(args.props, args.name);
        if (args.props["networkMode"] === "host") {
            report(
                `Container ${container} uses the host network, which exposes every port it ` +
                    `listens on; use a bridge network and publish only ${portList()}.`,
            );
        }
        const allowed = containerRole(args.props) === mtaStsRole ? [...mailPorts, 443] : mailPorts;
        for (const port of listOf(args.props["ports"])) {
            if (isObject(port)) checkPort(port, allowed, container, report);
        }
    },
};

function checkPort(
    port: Record<string, unknown>,
    allowed: readonly number[],
    container: string,
    report: ReportViolation,
): void {
    const internal = Number(port["internal"]);
    if (port["external"] === undefined) {
        report(
            `Container ${container} publishes container port ${internal} on a random host port; ` +
                `remove it, or publish it on the same host port if it is one of ${portList()}.`,
        );
        return;
    }
    const external = Number(port["external"]);
    if (!allowed.includes(external)) {
        report(
            `Container ${container} publishes host port ${external}; remove it: only ` +
                `${portList()} may be published (443 only on a container labelled ` +
                `mailfort.role=${mtaStsRole}); reach admin interfaces through an SSH tunnel.`,
        );
        return;
    }
    if (internal !== external) {
        report(
            `Container ${container} forwards host port ${external} to container port ` +
                `${internal}; publish mail ports on the same port inside and out.`,
        );
    }
}

function portList(): string {
    return `${mailPorts.slice(0, -1).join(", ")} and ${mailPorts.at(-1)}`;
}
