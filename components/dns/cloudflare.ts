/** Publishes the stack's DNS records in Cloudflare (provider v6 `DnsRecord`). */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";

import type { StackConfig } from "../../config";
import type { RecordSpec } from "./records";

export interface DnsRecordsArgs {
    config: StackConfig;
    records: RecordSpec[];
}

/**
 * One `DnsRecord` per spec. Mail records are never proxied: Cloudflare's proxy carries HTTP only
 * and would hide the MX's real address from SMTP clients.
 */
export class DnsRecords extends pulumi.ComponentResource {
    /**
     * @param name The unique name of the record set.
     * @param args The stack config (for zone ids) and the records.
     * @param opts Options for the component.
     */
    constructor(name: string, args: DnsRecordsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mailfort:dns:DnsRecords", name, {}, opts);
        const zoneIds = Object.fromEntries(
            args.config.domains.map((d) => [d.name, d.cloudflareZoneId]),
        );

        for (const record of args.records) {
            new cloudflare.DnsRecord(
                `${name}-${recordName(record)}`,
                {
                    zoneId: zoneIds[record.zone] ?? unknownZone(record.zone),
                    name: record.name,
                    type: record.type,
                    ttl: record.ttl,
                    proxied: record.type === "A" || record.type === "AAAA" ? false : undefined,
                    content: record.content,
                    priority: record.priority,
                    data: record.data,
                    comment: `mailfort ${record.purpose}`,
                },
                { parent: this },
            );
        }

        this.registerOutputs({});
    }
}

/** A stable resource name: the record name and its purpose (MX records differ only by it). */
export function recordName(record: RecordSpec): string {
    return `${record.name}-${record.purpose}`.replace(/[^A-Za-z0-9-]+/g, "-");
}

function unknownZone(zone: string): never {
    throw new Error(`no Cloudflare zone id configured for ${zone}`);
}
