/** Host firewall settings: UFW allow-list plus the nftables hardening table. */
import { z } from "zod";

/** A port opened on purpose beyond mail and SSH; the name says why, for reviewers. */
const exceptionSchema = z.strictObject({
    name: z.string().regex(/^[a-z][a-z0-9-]{1,40}$/, "must be a short kebab-case reason"),
    port: z.number().int().min(1).max(65535),
    protocol: z.enum(["tcp", "udp"]).default("tcp"),
});

export const firewallSchema = z.strictObject({
    /** Ports opened beyond 25, 465, 587, 993 and SSH, each with a named reason. */
    exceptions: z.array(exceptionSchema).default([]),
});
