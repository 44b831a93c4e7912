import type { ResourceValidationPolicy } from "@pulumi/policy";

import { dmarcRecord } from "./require-dmarc-enforcement";

/**
 * p=none only collects reports: receivers still deliver forged mail. It is a normal first step
 * while reports are read, hence advisory rather than mandatory.
 */
export const adviseDmarcEnforcement: ResourceValidationPolicy = {
    name: "advise-dmarc-enforcement",
    description: "DMARC records enforce (no p=none, sp=none or pct below 100).",
    enforcementLevel: "advisory",
    validateResource: (args, report) => {
        const dmarc = dmarcRecord(args.type, args.props);
        if (!dmarc) return;
        if (dmarc.tags.get("p")?.toLowerCase() === "none") {
            report(
                `DMARC record ${dmarc.name} sets p=none, so forged mail is still delivered; ` +
                    `once the reports look clean set mailfort config key ` +
                    `mailfort:dmarc.policy to "quarantine" or "reject".`,
            );
        }
        if (dmarc.tags.get("sp")?.toLowerCase() === "none") {
            report(
                `DMARC record ${dmarc.name} sets sp=none, so forged mail from subdomains is ` +
                    `delivered; set mailfort config key mailfort:dmarc.subdomainPolicy to ` +
                    `"quarantine" or "reject", or leave it unset to inherit p=.`,
            );
        }
        const percent = Number(dmarc.tags.get("pct") ?? "100");
        if (percent < 100) {
            report(
                `DMARC record ${dmarc.name} applies its policy to only ${percent}% of failing ` +
                    `mail; set mailfort config key mailfort:dmarc.percent to 100.`,
            );
        }
    },
};
