/**
 * The stack config schema: one place that says what an operator may set and what the hardened
 * default is when they do not. Everything downstream reads the parsed, frozen `StackConfig`.
 */
import { z } from "zod";

import { backupsSchema } from "./sections/backups";
import { baselineSchema } from "./sections/baseline";
import { fail2banSchema } from "./sections/fail2ban";
import { firewallSchema } from "./sections/firewall";
import { monitoringSchema } from "./sections/monitoring";
import { mtaStsSchema } from "./sections/mtasts";
import {
    cidr,
    dnsName,
    duration,
    emailAddress,
    ipv4Address,
    ipv6Address,
    serviceDnsName,
    sshPublicKey,
} from "./sections/primitives";
import { sshdSchema } from "./sections/sshd";

/** A domain mailfort receives mail for, with the Cloudflare zone that holds its records. */
const domainSchema = z.strictObject({
    name: dnsName,
    cloudflareZoneId: z
        .string()
        .regex(/^[0-9a-f]{32}$/, "must be a 32-digit hex Cloudflare zone id"),
});

/** How Pulumi reaches a host over SSH. The host key is mandatory: no trust on first use. */
const sshSchema = z.strictObject({
    user: z
        .string()
        .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a Unix user name")
        .default("deploy"),
    port: z.number().int().min(1).max(65535).default(22),
    hostKey: sshPublicKey,
    privateKeyConfigKey: z
        .string()
        .regex(/^[A-Za-z][A-Za-z0-9_]*$/, "must be a config key name such as sshPrivateKey")
        .default("sshPrivateKey"),
});

/** One VPS. The first host in the list is the primary MX; the others are backup MXs. */
const hostSchema = z.strictObject({
    hostname: dnsName,
    ipv4: ipv4Address,
    ipv6: ipv6Address.optional(),
    ssh: sshSchema,
});

const accountSchema = z.strictObject({
    address: emailAddress,
    quota: z
        .string()
        .regex(/^\d+[KMGT]?$/, "must be a size such as 512M or 2G")
        .optional(),
});

const aliasSchema = z.strictObject({
    address: emailAddress,
    to: z.array(emailAddress).min(1),
});

const contactsSchema = z.strictObject({
    admin: emailAddress,
    alerts: emailAddress.optional(),
    reports: emailAddress.optional(),
});

/** Postfix anvil limits per client address; 0 in Postfix means "no limit", never allowed here. */
const clientLimitsSchema = z.strictObject({
    connectionsPerMinute: z.number().int().min(1).default(60),
    concurrentConnections: z.number().int().min(1).default(20),
    messagesPerMinute: z.number().int().min(1).default(100),
    recipientsPerMinute: z.number().int().min(1).default(300),
    authAttemptsPerMinute: z.number().int().min(1).default(10),
});

const mailSchema = z.strictObject({
    /** docker-mailserver release tag; `latest` and `edge` are refused. */
    dmsVersion: z
        .string()
        .regex(/^\d+\.\d+\.\d+$/, "must be a release tag such as 15.1.0 (never latest or edge)")
        .default("15.1.0"),
    tlsLevel: z.enum(["modern", "intermediate"]).default("modern"),
    messageSizeLimit: z.number().int().min(1_000_000).max(200_000_000).default(52_428_800),
    mailboxSizeLimit: z.number().int().min(10_000_000).default(1_073_741_824),
    clamav: z.boolean().default(true),
    greylisting: z.boolean().default(true),
    rejectUnknownClientHostname: z.boolean().default(true),
    clientLimits: clientLimitsSchema.default({}),
    timezone: z
        .string()
        .regex(/^(UTC|[A-Za-z_]+\/[A-Za-z_+-]+)$/, "must be UTC or an IANA name such as Asia/Tokyo")
        .refine(isTimeZone, "must be a time zone of the IANA database, such as Asia/Tokyo")
        .default("UTC"),
    /** Postfix and Dovecot answer on IPv6 too, on hosts that have an `ipv6` address. */
    ipv6: z.boolean().default(true),
});

const certbotSchema = z.strictObject({
    imageTag: z
        .string()
        .regex(/^v\d+\.\d+\.\d+$/, "must be a release tag such as v4.1.1 (never latest)")
        .default("v4.1.1"),
    email: emailAddress.optional(),
    renewEvery: duration.default("12h"),
    dnsPropagationSeconds: z.number().int().min(10).max(600).default(30),
});

const dmarcSchema = z.strictObject({
    policy: z.enum(["none", "quarantine", "reject"]).default("quarantine"),
    subdomainPolicy: z.enum(["none", "quarantine", "reject"]).optional(),
    percent: z.number().int().min(1).max(100).default(100),
    reportAddress: emailAddress.optional(),
    alignment: z.enum(["relaxed", "strict"]).default("strict"),
});

const spfSchema = z.strictObject({
    all: z.enum(["-all", "~all"]).default("-all"),
    include: z.array(serviceDnsName).max(8).default([]),
});

const dkimSchema = z.strictObject({
    selector: z
        .string()
        .regex(/^[a-z0-9][a-z0-9-]{0,62}$/)
        .default("mail"),
    keyBits: z.union([z.literal(2048), z.literal(3072), z.literal(4096)]).default(2048),
});

const dnsSchema = z.strictObject({
    ttl: z.number().int().min(60).max(86400).default(3600),
    caaIssuer: z.string().default("letsencrypt.org"),
});

/** Which optional parts of the stack run. Each defaults to the hardened choice. */
const servicesSchema = z.strictObject({
    firewall: z.boolean().default(true),
    fail2ban: z.boolean().default(true),
    monitoring: z.boolean().default(true),
    sshHardening: z.boolean().default(true),
    backups: z.boolean().default(false),
    mtaSts: z.boolean().default(true),
});

export const stackSchema = z.strictObject({
    domains: z.array(domainSchema).min(1),
    hosts: z.array(hostSchema).min(1),
    contacts: contactsSchema,
    accounts: z.array(accountSchema).min(1),
    aliases: z.array(aliasSchema).default([]),
    mail: mailSchema.default({}),
    certbot: certbotSchema.default({}),
    dmarc: dmarcSchema.default({}),
    spf: spfSchema.default({}),
    dkim: dkimSchema.default({}),
    dns: dnsSchema.default({}),
    services: servicesSchema.default({}),
    trustedNetworks: z.array(cidr).default([]),
    firewall: firewallSchema.default({}),
    fail2ban: fail2banSchema.default({}),
    monitoring: monitoringSchema.default({}),
    mtaSts: mtaStsSchema.default({}),
    sshd: sshdSchema.default({}),
    baseline: baselineSchema.default({}),
    backups: backupsSchema.default({}),
});

/** Node's ICU knows the IANA database that the container's tzdata also follows. */
function isTimeZone(zone: string): boolean {
    try {
        new Intl.DateTimeFormat("en-US", { timeZone: zone });
        return true;
    } catch {
        return false;
    }
}

/** Keys of the stack config, without the `mailfort:` namespace. */
export const configKeys = Object.keys(stackSchema.shape) as (keyof typeof stackSchema.shape)[];

export type StackInput = z.input<typeof stackSchema>;
export type ParsedStack = z.output<typeof stackSchema>;
export type HostConfig = ParsedStack["hosts"][number];
export type AccountConfig = ParsedStack["accounts"][number];
