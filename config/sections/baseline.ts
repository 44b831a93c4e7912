/**
 * Host baseline settings: automatic security updates and the Docker daemon. Time sync and the
 * host name are not configurable: they are always on and always the mail host name.
 */
import { z } from "zod";

const clockTime = z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a 24-hour time such as 04:00");

const updatesSchema = z.strictObject({
    /** Reboot by itself when an update needs it (kernel, libc), inside the reboot window. */
    automaticReboot: z.boolean().default(true),
    /** Start of the reboot window, host local time (UTC on most VPS images). */
    rebootTime: clockTime.default("04:00"),
    /** When unattended-upgrades mails the admin (contacts.admin). */
    mailReport: z.enum(["always", "on-change", "only-on-error"]).default("on-change"),
    /** Also upgrade Docker engine from Docker's repository (restarts dockerd). */
    dockerUpdates: z.boolean().default(false),
});

/** A unique local IPv6 /64 (RFC 4193, fd00::/8) for the default Docker bridge. */
const ulaSlash64 = z
    .string()
    .regex(
        /^fd[0-9a-f]{2}(:[0-9a-f]{1,4}){3}::\/64$/,
        "must be a unique local /64 such as fd3a:91c2:7b10:1::/64",
    );

const dockerSchema = z.strictObject({
    /** IPv6 range of the default bridge; derived from the host name when unset. */
    ipv6Cidr: ulaSlash64.optional(),
    /** Size at which a container's json log file is rotated. */
    logMaxSize: z.string().regex(/^\d+[kmg]$/, "must be a size such as 10m").default("10m"),
    /** Rotated container log files kept. */
    logMaxFiles: z.number().int().min(1).max(20).default(5),
});

export const baselineSchema = z.strictObject({
    updates: updatesSchema.default({}),
    docker: dockerSchema.default({}),
});

export type BaselineSettings = z.output<typeof baselineSchema>;
