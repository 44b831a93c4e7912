import type { StackValidationPolicy } from "@pulumi/policy";

import { allowedInRuleset, shippedRuleset } from "./firewall-rules";
import { containerRole, resourceTypes } from "./lib/resources";
import { mtaStsRole } from "./allow-only-mail-ports";

/**
 * Port 443 exists on a mail host for one reason: the MTA-STS endpoint (RFC 8461). Open without
 * it, HTTPS is attack surface that serves nothing.
 *
 * Limitation: the check is stack-wide: with several hosts, 443 open on a host other than the one
 * that runs the endpoint passes as long as some host runs it.
 */
export const firewallHttpsNeedsMtaSts: StackValidationPolicy = {
    name: "firewall-https-needs-mta-sts",
    description: "The firewall opens 443 only while the MTA-STS endpoint runs.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const endpoint = args.resources.some(
            (r) => r.type === resourceTypes.container && containerRole(r.props) === mtaStsRole,
        );
        if (endpoint) return;
        for (const resource of args.resources) {
            const ruleset = shippedRuleset(resource);
            if (ruleset === undefined) continue;
            if (allowedInRuleset(ruleset).some((p) => p.port === 443 && p.protocol === "tcp")) {
                report(
                    `The nftables ruleset shipped by ${resource.name} opens 443/tcp ` +
                        "but no MTA-STS endpoint runs; set mailfort:services.mtaSts to true or " +
                        "remove the 443 exception from mailfort:firewall.exceptions.",
                );
            }
        }
    },
};
