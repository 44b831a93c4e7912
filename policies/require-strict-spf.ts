import type { ResourceValidationPolicy } from "@pulumi/policy";

import { txtRecord } from "./lib/txt";

/** RFC 7208 4.6.4: evaluating a record may cause at most 10 DNS-querying terms. */
export const spfLookupLimit = 10;
const lookupTerms = new Set(["include", "a", "mx", "ptr", "exists", "redirect"]);

export interface SpfSummary {
    /** The qualifier of the `all` mechanism, or `undefined` when there is none. */
    allQualifier: string | undefined;
    /** Whether a mechanism comes after `all` (evaluators never reach it). */
    termsAfterAll: boolean;
    /** DNS-querying terms in this record alone. */
    lookups: number;
}

/**
 * An SPF record that ends in `?all` or `+all` (or has no `all`) tells receivers nothing about
 * forgeries; one that needs more than 10 look-ups is a permanent error and fails for everyone.
 */
export const requireStrictSpf: ResourceValidationPolicy = {
    name: "require-strict-spf",
    description: "SPF records end in -all or ~all and need at most 10 DNS look-ups.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const record = txtRecord(args.type, args.props);
        if (!record || !/^v=spf1(\s|$)/i.test(record.text)) return;
        const spf = summarizeSpf(record.text);
        if (!["-", "~"].includes(spf.allQualifier ?? "") || spf.termsAfterAll) {
            report(
                `SPF record ${record.name} ${allProblem(spf)}; end it with -all ` +
                    `(mailfort config key mailfort:spf.all: "-all", or "~all" while testing).`,
            );
        }
        // Limitation: each include's own look-ups count towards the limit too, but resolving
        // them needs the live DNS; only this record's terms are counted offline.
        if (spf.lookups > spfLookupLimit) {
            report(
                `SPF record ${record.name} needs ${spf.lookups} DNS look-ups, more than the ` +
                    `${spfLookupLimit} RFC 7208 allows, so receivers fail it; drop includes ` +
                    `from mailfort config key mailfort:spf.include or use ip4:/ip6: terms ` +
                    `instead.`,
            );
        }
    },
};

export function summarizeSpf(text: string): SpfSummary {
    const summary: SpfSummary = { allQualifier: undefined, termsAfterAll: false, lookups: 0 };
    for (const term of text.trim().split(/\s+/).slice(1)) {
        const match = /^([-+~?]?)([A-Za-z][A-Za-z0-9_.-]*)/.exec(term);
        if (!match) continue;
        const qualifier = match[1] || "+";
        const name = (match[2] ?? "").toLowerCase();
        const isModifier = term.slice(match[0].length).startsWith("=");
        if (lookupTerms.has(name)) summary.lookups++;
        if (isModifier) continue;
        if (summary.allQualifier !== undefined) summary.termsAfterAll = true;
        if (name === "all") summary.allQualifier = qualifier;
    }
    return summary;
}

function allProblem(spf: SpfSummary): string {
    if (spf.allQualifier === undefined) {
        return "has no all mechanism, so unlisted senders pass as neutral";
    }
    if (spf.termsAfterAll) return "has terms after its all mechanism, which receivers never read";
    if (spf.allQualifier === "+") return "ends in +all, which lets any server send as this domain";
    return "ends in ?all, which tells receivers nothing about forged mail";
}
