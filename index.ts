/**
 * mailfort: a hardened docker-mailserver host on an Ubuntu VPS with its DNS in Cloudflare.
 * The config is validated as a whole before any resource is declared.
 */
import * as pulumi from "@pulumi/pulumi";

import { loadStackConfig } from "./config";
import { Mailfort, reverseDnsInstructions } from "./components/stack";
import { ResolvedRecord, zoneFile } from "./components/dns";
import { mtaStsUrl } from "./components/mtasts";

const config = loadStackConfig();
const mailfort = new Mailfort("mailfort", { config });

/** Each host's names and addresses; the first is the primary MX. */
export const hosts = config.hosts.map((h, index) => ({
    hostname: h.hostname,
    role: index === 0 ? "primary MX" : "backup MX",
    ipv4: h.ipv4,
    ipv6: h.ipv6 ?? null,
}));

/** What to set by hand at the VPS provider. */
export const manualSteps = reverseDnsInstructions(config);

/** The records published in Cloudflare, in zone-file form. */
export const dnsZone = pulumi
    .output(mailfort.records)
    .apply((records) => zoneFile(records as ResolvedRecord[]));

/** Where senders fetch the MTA-STS policy of each domain. */
export const mtaStsPolicyUrls = config.services.mtaSts
    ? config.domains.map((d) => mtaStsUrl(d.name))
    : [];

/** Passwords the stack generated for accounts that had none in config. */
export const generatedPasswords = mailfort.generatedPasswords;
