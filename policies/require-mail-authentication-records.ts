import type { PolicyResource, ReportViolation, StackValidationPolicy } from "@pulumi/policy";

import { resourceTypes, stringOf } from "./lib/resources";
import { txtRecord } from "./lib/txt";

/**
 * Receivers judge a domain's mail by SPF, DKIM and DMARC together; a domain that takes mail (has
 * an MX record) but lacks one of them is easy to forge. Two SPF records are as bad as none:
 * RFC 7208 4.5 makes that a permanent error.
 *
 * Only record names are read for DKIM and DMARC: a DKIM key is unknown until the key resource
 * exists, and reading an unknown value makes the engine skip the policy during preview.
 */
export const requireMailAuthenticationRecords: StackValidationPolicy = {
    name: "require-mail-authentication-records",
    description: "Every domain with an MX record publishes one SPF, a DKIM and a DMARC record.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const records = args.resources.filter((r) => r.type === resourceTypes.dnsRecord);
        for (const [domain, mx] of mailDomains(records)) {
            const reportAtMx = (message: string) => report(message, mx.urn);
            checkSpf(records, domain, reportAtMx);
            checkDmarc(records, domain, reportAtMx);
            checkDkim(records, domain, reportAtMx);
        }
    },
};

function checkSpf(records: PolicyResource[], domain: string, report: ReportViolation): void {
    const count = records.filter((r) => isSpfAt(r, domain)).length;
    if (count === 1) return;
    const found = count === 0 ? "publishes no SPF record" : `publishes ${count} SPF records`;
    report(
        `Mail domain ${domain} ${found}; publish exactly one TXT record "v=spf1 mx -all" at ` +
            `${domain} (mailfort config key mailfort:spf).`,
    );
}

function checkDmarc(records: PolicyResource[], domain: string, report: ReportViolation): void {
    if (records.some((r) => isTxtNamed(r, (name) => name === `_dmarc.${domain}`))) return;
    report(
        `Mail domain ${domain} publishes no DMARC record; publish a TXT record at ` +
            `_dmarc.${domain} (mailfort config key mailfort:dmarc).`,
    );
}

function checkDkim(records: PolicyResource[], domain: string, report: ReportViolation): void {
    const selector = (name: string) => name.endsWith(`._domainkey.${domain}`);
    if (records.some((r) => isTxtNamed(r, selector))) return;
    report(
        `Mail domain ${domain} publishes no DKIM key; publish a TXT record at ` +
            `<selector>._domainkey.${domain} (mailfort config key mailfort:dkim.selector).`,
    );
}

/** Each domain that has an MX record, with the first MX record's resource. */
function mailDomains(records: PolicyResource[]): Map<string, PolicyResource> {
    const domains = new Map<string, PolicyResource>();
    for (const record of records) {
        const name = nameOf(record);
        if (record.props["type"] === "MX" && name && !domains.has(name)) domains.set(name, record);
    }
    return domains;
}

function nameOf(record: PolicyResource): string | undefined {
    return stringOf(record.props["name"])?.toLowerCase().replace(/\.$/, "");
}

function isTxtNamed(record: PolicyResource, test: (name: string) => boolean): boolean {
    const name = nameOf(record);
    return record.props["type"] === "TXT" && name !== undefined && test(name);
}

function isSpfAt(record: PolicyResource, domain: string): boolean {
    if (!isTxtNamed(record, (name) => name === domain)) return false;
    const text = txtRecord(record.type, record.props)?.text ?? "";
    return /^v=spf1(\s|$)/i.test(text);
}
