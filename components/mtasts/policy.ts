/**
 * The MTA-STS policy (RFC 8461) and the records that announce it. The `_mta-sts` id is a hash of
 * the policy text, so it changes exactly when the policy does and senders refetch only then.
 */
import { createHash } from "node:crypto";

import type { StackConfig } from "../../config";

export function mtaStsPolicy(config: StackConfig): string {
    const { mode, maxAgeSeconds } = config.mtaSts;
    const lines = [
        "version: STSv1",
        `mode: ${mode}`,
        ...config.hosts.map((h) => `mx: ${h.hostname}`),
        `max_age: ${maxAgeSeconds}`,
    ];
    // RFC 8461 section 3.2: key/value pairs separated by CRLF.
    return lines.join("\r\n") + "\r\n";
}

/** 20 hex characters of the policy's SHA-256: within the id's 1-32 alphanumerics. */
export function mtaStsPolicyId(policy: string): string {
    return createHash("sha256").update(policy).digest("hex").slice(0, 20);
}

export function mtaStsText(config: StackConfig): string {
    return `v=STSv1; id=${mtaStsPolicyId(mtaStsPolicy(config))}`;
}

export const mtaStsHost = (domain: string) => `mta-sts.${domain}`;

export const mtaStsUrl = (domain: string) =>
    `https://${mtaStsHost(domain)}/.well-known/mta-sts.txt`;
