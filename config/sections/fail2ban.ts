/**
 * Host Fail2Ban settings: thresholds shared by every jail, per-jail overrides, incremental bans
 * and the recidive jail. Every default is the hardened value; docs/fail2ban.md lists them.
 */
import { z } from "zod";

import { duration, durationSeconds } from "./primitives";

const maxretry = z
    .number({ message: "must be a whole number of failures between 1 and 1000" })
    .int("must be a whole number of failures between 1 and 1000")
    .min(1, "must be at least 1 failure")
    .max(1000, "must be at most 1000 failures");

/**
 * One jail's thresholds with its own defaults; a threshold without one falls back to the shared
 * value, so an operator who overrides `bantime` keeps the jail's stricter `maxretry`.
 */
function jail(defaults: { maxretry?: number; findtime?: string; bantime?: string } = {}) {
    return z
        .strictObject({
            /** Whether the jail runs. Defaults to true. */
            enabled: z.boolean({ message: "must be true or false" }).default(true),
            maxretry: withDefault(maxretry, defaults.maxretry),
            findtime: withDefault(duration, defaults.findtime),
            bantime: withDefault(duration, defaults.bantime),
        })
        .default({});
}

function withDefault<T extends z.ZodTypeAny>(schema: T, value: z.input<T> | undefined) {
    return value === undefined ? schema.optional() : schema.optional().default(value);
}

/**
 * The jails whose thresholds an operator may tune, with the defaults that differ from the shared
 * ones. Names are the jail names `fail2ban-client status <jail>` takes.
 */
const jailsSchema = z.strictObject({
    sshd: jail(),
    postfix: jail(),
    dovecot: jail({ maxretry: 3 }),
    "postfix-helo": jail(),
    // Lost connections and timeouts also happen to honest senders on bad links.
    "postfix-mx-abuse": jail({ maxretry: 10 }),
    // Each line is already a Postfix anvil limit hit, not a single suspicious event.
    "postfix-rate-limit": jail({ maxretry: 3 }),
    // Counts accepted messages: only a flood far above normal traffic may trigger it.
    "postfix-mail-bombing": jail({ maxretry: 200, findtime: "10m" }),
    "nginx-http-auth": jail(),
    "nginx-botsearch": jail({ maxretry: 2 }),
    "nginx-limit-req": jail({ maxretry: 10 }),
});

export type Fail2banJailName = keyof z.infer<typeof jailsSchema>;

/** Fail2Ban's `bantime.increment`: each repeat ban of an address lasts longer. */
const incrementSchema = z.strictObject({
    /** Whether repeat offenders get longer bans. Defaults to true. */
    enabled: z.boolean({ message: "must be true or false" }).default(true),
    /** Multiplier on the doubling per earlier ban. Defaults to 1 (1h, 2h, 4h, ...). */
    factor: z
        .number({ message: "must be a number between 1 and 10" })
        .min(1, "must be at least 1")
        .max(10, "must be at most 10")
        .default(1),
    /** The longest any incremented ban may last. Defaults to 4w. */
    maxtime: duration.default("4w"),
    /** Whether bans in any jail count towards the next ban's length. Defaults to true. */
    overalljails: z.boolean({ message: "must be true or false" }).default(true),
});

/** The recidive jail: addresses banned again and again get a long ban on every port. */
const recidiveSchema = z.strictObject({
    /** Whether the recidive jail runs. Defaults to true. */
    enabled: z.boolean({ message: "must be true or false" }).default(true),
    /** Bans (by any jail) within `findtime` that make an address a recidivist. Defaults to 3. */
    maxretry: maxretry.default(3),
    /** Defaults to 1d. */
    findtime: duration.default("1d"),
    /** Defaults to 1w. */
    bantime: duration.default("1w"),
});

export const fail2banSchema = z
    .strictObject({
        /** Failures within `findtime` that ban an address. Defaults to 5. */
        maxretry: maxretry.default(5),
        /** Window in which failures are counted. Defaults to 10m. */
        findtime: duration.default("10m"),
        /** Length of a first ban. Defaults to 1h. */
        bantime: duration.default("1h"),
        increment: incrementSchema.default({}),
        recidive: recidiveSchema.default({}),
        /**
         * Where the sshd jail reads: `journal` (systemd backend; works without rsyslog, which
         * Ubuntu 24.04 minimal images lack) or `auth.log` (/var/log/auth.log via rsyslog).
         * Defaults to journal.
         */
        sshdLog: z
            .enum(["journal", "auth.log"], { message: "must be journal or auth.log" })
            .default("journal"),
        jails: jailsSchema.default({}),
    })
    .superRefine((value, ctx) => {
        const bantime = durationSeconds(value.bantime);
        if (value.increment.enabled && durationSeconds(value.increment.maxtime) < bantime) {
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["increment", "maxtime"],
                message: `must be at least bantime (${value.bantime}), such as 4w`,
            });
        }
        if (value.recidive.enabled && durationSeconds(value.recidive.bantime) <= bantime) {
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["recidive", "bantime"],
                message: `must be longer than bantime (${value.bantime}), such as 1w`,
            });
        }
    });

export type Fail2banConfig = z.output<typeof fail2banSchema>;
