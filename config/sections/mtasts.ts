/** The MTA-STS web endpoint (RFC 8461), served by an nginx sidecar on the primary MX. */
import { z } from "zod";

export const mtaStsSchema = z.strictObject({
    /** `testing` only reports failures (through TLS-RPT); `enforce` makes senders require TLS. */
    mode: z.enum(["testing", "enforce"]).default("enforce"),
    /** How long senders cache the policy: RFC 8461 allows up to 31557600 (one year). */
    maxAgeSeconds: z.number().int().min(86400).max(31_557_600).default(604_800),
    nginxImageTag: z
        .string()
        .regex(
            /^\d+\.\d+\.\d+(-alpine)?$/,
            "must be a release tag such as 1.28.0-alpine (never latest)",
        )
        .default("1.28.0-alpine"),
});
