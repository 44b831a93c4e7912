import type { ResourceValidationPolicy } from "@pulumi/policy";

import { tagList, txtRecord } from "./lib/txt";

const policies = ["none", "quarantine", "reject"];
const configKeys: Record<string, string> = {
    p: "mailfort:dmarc.policy",
    sp: "mailfort:dmarc.subdomainPolicy",
};

/** The DMARC record of a TXT resource: its name and tags, or `undefined` if it is not one. */
export function dmarcRecord(type: string, props: Record<string, unknown>) {
    const record = txtRecord(type, props);
    if (!record || !record.name.startsWith("_dmarc.")) return undefined;
    if (!/^v\s*=\s*DMARC1\s*(;|$)/i.test(record.text)) return undefined;
    return { name: record.name, tags: tagList(record.text) };
}

/**
 * A DMARC record without a valid `p=` is read as p=none at best (RFC 7489 6.6.3) and forged mail
 * is delivered. p=none itself is reported by the advisory `advise-dmarc-enforcement`.
 */
export const requireDmarcEnforcement: ResourceValidationPolicy = {
    name: "require-dmarc-enforcement",
    description: "DMARC records set p= (and sp=) to quarantine or reject; none is only advised.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const dmarc = dmarcRecord(args.type, args.props);
        if (!dmarc) return;
        for (const tag of ["p", "sp"]) {
            const value = dmarc.tags.get(tag)?.toLowerCase();
            if (value === undefined && tag === "sp") continue;
            if (value !== undefined && policies.includes(value)) continue;
            const found = value === undefined
                ? "has no p= tag"
                : `sets ${tag}=${value}, not a DMARC policy`;
            report(
                `DMARC record ${dmarc.name} ${found}; set ${tag}=quarantine or ${tag}=reject ` +
                    `(mailfort config key ${configKeys[tag]}).`,
            );
        }
    },
};
