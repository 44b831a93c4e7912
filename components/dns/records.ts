/**
 * Every DNS record the stack publishes, as plain data. The Cloudflare component turns these into
 * resources and the offline preview into a zone file, so both show exactly the same records.
 */
import * as pulumi from "@pulumi/pulumi";

import type { HostConfig, StackConfig } from "../../config";
import { mtaStsHost, mtaStsText } from "../mtasts/policy";

export interface RecordSpec {
    /** The domain whose Cloudflare zone holds the record. */
    zone: string;
    /** Full record name, never relative (Cloudflare v6 keeps diffing otherwise). */
    name: string;
    type: "A" | "AAAA" | "MX" | "TXT" | "CAA";
    /** Record content; TXT content is already split into quoted 255-byte strings. */
    content?: pulumi.Input<string>;
    priority?: number;
    /** CAA fields. */
    data?: { flags: number; tag: string; value: string };
    ttl: number;
    /** What the record is for, in a few words: the resource name and the zone-file comment. */
    purpose: string;
}

/** Splits TXT data into quoted strings of at most 255 bytes (RFC 1035 character-strings). */
export function txtContent(text: string): string {
    if (!/^[\x20-\x7e]*$/.test(text) || text.includes('"')) {
        throw new Error(`TXT data must be printable ASCII without quotes: ${text.slice(0, 40)}`);
    }
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += 255) chunks.push(text.slice(i, i + 255));
    return chunks.map((chunk) => `"${chunk}"`).join(" ");
}

/** Joins quoted TXT strings back into the text a resolver hands to an application. */
export function txtText(content: string): string {
    return [...content.matchAll(/"([^"]*)"/g)].map((m) => m[1]).join("");
}

export function spfText(config: StackConfig): string {
    const addresses = config.hosts.flatMap((h) => [
        `ip4:${h.ipv4}`,
        ...(h.ipv6 ? [`ip6:${h.ipv6}`] : []),
    ]);
    const includes = config.spf.include.map((name) => `include:${name}`);
    return ["v=spf1", ...addresses, ...includes, config.spf.all].join(" ");
}

/** SPF for a host's own name: what receivers check for bounces, whose envelope sender is empty. */
export function heloSpfText(host: HostConfig): string {
    return ["v=spf1", `ip4:${host.ipv4}`, ...(host.ipv6 ? [`ip6:${host.ipv6}`] : []), "-all"].join(
        " ",
    );
}

export function dmarcText(config: StackConfig): string {
    const { dmarc, contacts } = config;
    const report = dmarc.reportAddress ?? contacts.reports ?? contacts.admin;
    const align = dmarc.alignment === "strict" ? "s" : "r";
    return [
        "v=DMARC1",
        `p=${dmarc.policy}`,
        `sp=${dmarc.subdomainPolicy ?? dmarc.policy}`,
        `pct=${dmarc.percent}`,
        `adkim=${align}`,
        `aspf=${align}`,
        `rua=mailto:${report}`,
        "fo=1",
    ].join("; ");
}

/** RFC 8460 TLS reporting: where senders report failed TLS to our MX. */
export function tlsRptText(config: StackConfig): string {
    return `v=TLSRPTv1; rua=mailto:${config.contacts.reports ?? config.contacts.admin}`;
}

/** The DKIM TXT data for a PEM public key (SubjectPublicKeyInfo, as RFC 6376 `p=` expects). */
export function dkimText(publicKeyPem: string): string {
    const base64 = publicKeyPem.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "");
    return `v=DKIM1; k=rsa; p=${base64}`;
}

/** A record whose content is known, as the offline preview and the tests see it. */
export type ResolvedRecord = Omit<RecordSpec, "content"> & { content?: string };

/** Records of every configured domain and host; DKIM keys by domain as PEM public keys. */
export function dnsRecords(
    config: StackConfig,
    dkimPublicKeys: Record<string, pulumi.Input<string>>,
): RecordSpec[] {
    return [
        ...config.hosts.flatMap((host) => hostRecords(config, host)),
        ...config.domains.flatMap((d) => domainRecords(config, d.name, dkimPublicKeys[d.name])),
    ];
}

function zoneFor(config: StackConfig, name: string): string {
    const zone = config.domains
        .map((d) => d.name)
        .filter((d) => name === d || name.endsWith(`.${d}`))
        .sort((a, b) => b.length - a.length)[0];
    if (!zone) throw new Error(`no configured domain holds ${name}`);
    return zone;
}

function hostRecords(config: StackConfig, host: HostConfig): RecordSpec[] {
    const base = { zone: zoneFor(config, host.hostname), name: host.hostname, ttl: config.dns.ttl };
    return [
        { ...base, type: "A", content: host.ipv4, purpose: "address" },
        ...(host.ipv6
            ? [{ ...base, type: "AAAA" as const, content: host.ipv6, purpose: "address6" }]
            : []),
        { ...base, type: "TXT", content: txtContent(heloSpfText(host)), purpose: "helo-spf" },
    ];
}

function domainRecords(
    config: StackConfig,
    domain: string,
    dkimPem: pulumi.Input<string> | undefined,
): RecordSpec[] {
    const base = { zone: domain, ttl: config.dns.ttl };
    const txt = (name: string, text: string, purpose: string): RecordSpec => ({
        ...base,
        name,
        type: "TXT",
        content: txtContent(text),
        purpose,
    });
    const caa = (tag: string, value: string, purpose: string): RecordSpec => ({
        ...base,
        name: domain,
        type: "CAA",
        data: { flags: 0, tag, value },
        purpose,
    });
    return [
        ...config.hosts.map(
            (host, index): RecordSpec => ({
                ...base,
                name: domain,
                type: "MX",
                content: host.hostname,
                priority: 10 * (index + 1),
                purpose: `mx-${index + 1}`,
            }),
        ),
        txt(domain, spfText(config), "spf"),
        txt(`_dmarc.${domain}`, dmarcText(config), "dmarc"),
        txt(`_smtp._tls.${domain}`, tlsRptText(config), "tls-rpt"),
        ...(dkimPem ? [dkimRecord(config, domain, dkimPem)] : []),
        ...(config.services.mtaSts ? mtaStsRecords(config, domain) : []),
        caa("issue", `${config.dns.caaIssuer}; validationmethods=dns-01`, "caa-issue"),
        // No wildcard certificates for anyone: mailfort never needs one.
        caa("issuewild", ";", "caa-issuewild"),
        caa("iodef", `mailto:${config.contacts.admin}`, "caa-iodef"),
    ];
}

/** RFC 8461: the policy host points at the primary MX; `_mta-sts` announces the policy id. */
function mtaStsRecords(config: StackConfig, domain: string): RecordSpec[] {
    const primary = config.hosts[0];
    if (!primary) return [];
    const base = { zone: domain, name: mtaStsHost(domain), ttl: config.dns.ttl };
    return [
        { ...base, type: "A", content: primary.ipv4, purpose: "mta-sts-address" },
        ...(primary.ipv6
            ? [
                  {
                      ...base,
                      type: "AAAA" as const,
                      content: primary.ipv6,
                      purpose: "mta-sts-address6",
                  },
              ]
            : []),
        {
            ...base,
            name: `_mta-sts.${domain}`,
            type: "TXT",
            content: txtContent(mtaStsText(config)),
            purpose: "mta-sts",
        },
    ];
}

function dkimRecord(config: StackConfig, domain: string, pem: pulumi.Input<string>): RecordSpec {
    return {
        zone: domain,
        name: `${config.dkim.selector}._domainkey.${domain}`,
        type: "TXT",
        content: pulumi.output(pem).apply((key) => txtContent(dkimText(key))),
        ttl: config.dns.ttl,
        purpose: "dkim",
    };
}

/** The records in zone-file form, for review in pull requests. */
export function zoneFile(records: ResolvedRecord[]): string {
    return (
        records
            .map((r) => {
                const value =
                    r.type === "CAA" && r.data
                        ? `${r.data.flags} ${r.data.tag} "${r.data.value}"`
                        : r.type === "MX"
                          ? `${r.priority} ${r.content}.`
                          : r.content;
                return `${r.name}.\t${r.ttl}\tIN\t${r.type}\t${value}\t; ${r.purpose}`;
            })
            .join("\n") + "\n"
    );
}
