/**
 * Monitoring and alerting settings on each host: how often the checks run, the thresholds at which
 * they warn or fail, and how alerts reach the operator when the mail container itself is down.
 */
import { z } from "zod";

import { duration, durationSeconds, emailAddress } from "./primitives";

const count = (message: string) => z.number({ message }).int(message).min(1, message);
const percent = z
    .number()
    .int()
    .min(1, "must be a percentage from 1 to 100")
    .max(100, "must be a percentage from 1 to 100");

/** A warning level and a failure level; the failure level must not be below the warning level. */
function levels(warn: number, fail: number, what: string) {
    return z
        .strictObject({
            warn: count(`must be a whole number of ${what}, 1 or more`).default(warn),
            fail: count(`must be a whole number of ${what}, 1 or more`).default(fail),
        })
        .refine((l) => l.fail >= l.warn, `fail must be at least warn (${what})`)
        .default({});
}

/** A duration above zero: an age threshold of 0s would warn on every run. */
const age = duration.refine(
    (value) => durationSeconds(value) > 0,
    "must be a duration above zero, such as 26h or 8d",
);

/** A warning age and a failure age; the failure age must not be below the warning age. */
function ages(warn: string, fail: string, what: string) {
    return z
        .strictObject({ warn: age.default(warn), fail: age.default(fail) })
        .refine(
            (a) => durationSeconds(a.fail) >= durationSeconds(a.warn),
            `fail must be at least warn (${what})`,
        )
        .default({});
}

const thresholdsSchema = z.strictObject({
    /** Failed SMTP AUTH + IMAP + SSH logins in one run interval. */
    failedLogins: levels(20, 100, "failed logins per run"),
    /** Messages delivered to other servers in one run interval: a compromised account spamming. */
    outboundMail: levels(100, 500, "outbound messages per run"),
    /** Messages in the Postfix queue. */
    queue: levels(50, 200, "queued messages"),
    /** Queue growth since the previous run that warns even below `queue.warn`. */
    queueGrowth: count("must be a whole number of messages, 1 or more").default(20),
    /** New Fail2Ban bans in one run interval. */
    newBans: count("must be a whole number of bans, 1 or more").default(50),
    /** Spam detections (rejections and messages filed to Junk) in one run interval. */
    spam: count("must be a whole number of detections, 1 or more").default(50),
    /** Virus detections in one run interval; one is worth a look. */
    virus: count("must be a whole number of detections, 1 or more").default(1),
    /** Used space of the root and the Docker volumes' filesystem, in percent. */
    diskPercent: z
        .strictObject({ warn: percent.default(80), fail: percent.default(90) })
        .refine((l) => l.fail >= l.warn, "fail must be at least warn (disk percent)")
        .default({}),
    /** Days left before the TLS certificate expires (certbot renews at 30). */
    certificateDays: z
        .strictObject({
            warn: count("must be a whole number of days, 1 or more").default(21),
            fail: count("must be a whole number of days, 1 or more").default(7),
        })
        .refine((l) => l.fail <= l.warn, "fail must be at most warn (certificate days)")
        .default({}),
    /** Established connections on any one mail port. */
    connections: levels(100, 400, "connections per port"),
    /** Age of the last successful backup: the daily timer, its random delay and a slow run. */
    backupAge: ages("26h", "50h", "backup age"),
    /** Age of the last successful repository check, which runs weekly. */
    backupCheckAge: ages("8d", "15d", "backup check age"),
    /** Time since unattended-upgrades last ran (apt-daily-upgrade.timer runs it daily). */
    updatesAge: age.default("2d"),
});

const hostLabel = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";

/** A host name, one label allowed (a relay on the LAN or in /etc/hosts). */
const hostName = z
    .string()
    .regex(
        new RegExp(`^${hostLabel}(?:\\.${hostLabel})*$`),
        "must be a host name such as smtp.relay.example.net",
    );

const noSpaceOrQuote = /^[^\s"\\]+$/;

/** An external SMTP relay; the password is the secret config key `mailfort:alertRelayPassword`. */
const relaySchema = z.strictObject({
    kind: z.literal("relay"),
    host: hostName,
    port: z.number().int().min(1).max(65535, "must be a TCP port such as 465 or 587").default(465),
    user: z
        .string()
        .max(128, "must be a login of at most 128 characters")
        .regex(noSpaceOrQuote, "must be a login without spaces or quotes")
        .optional(),
    /** `smtps` is TLS from the first byte (port 465); `starttls` upgrades and requires it. */
    tls: z.enum(["smtps", "starttls"]).default("smtps"),
});

/** A webhook; its URL usually carries a token, so it is the secret `mailfort:alertWebhookUrl`. */
const webhookSchema = z.strictObject({
    kind: z.literal("webhook"),
});

export const monitoringSchema = z.strictObject({
    /** Minutes between monitoring runs (cron). */
    intervalMinutes: z
        .number()
        .int()
        .min(1, "must be 1 to 30 minutes and divide 60")
        .max(30, "must be 1 to 30 minutes and divide 60")
        .refine((m) => 60 % m === 0, "must divide 60, such as 5, 10 or 15")
        .default(5),
    /** Hour (host time, UTC on a default VPS) at which cron sends the daily report. */
    reportHour: z
        .number()
        .int("must be an hour from 0 to 23")
        .min(0, "must be an hour from 0 to 23")
        .max(23, "must be an hour from 0 to 23")
        .default(6),
    /** How long a condition that stays bad waits before it alerts again. */
    realertAfter: duration.default("6h"),
    /** How many failed-login source addresses to name. */
    topSources: z.number().int().min(1, "must be 1 to 20").max(20, "must be 1 to 20").default(5),
    /** How alerts leave the host normally: the mail container's sendmail, or SMTP on localhost. */
    primaryTransport: z.enum(["container", "smtp"]).default("container"),
    /** SMTP URL used when `primaryTransport` is `smtp`. */
    primarySmtpUrl: z
        .string()
        .regex(/^smtps?:\/\/[A-Za-z0-9.:[\]-]+$/, "must be a URL such as smtp://127.0.0.1:25")
        .default("smtp://127.0.0.1:25"),
    /** Sender address of alerts and reports. Defaults to monitor@<host name>. */
    fromAddress: emailAddress.optional(),
    /** Where alerts go when the primary transport fails (mail container down). */
    fallback: z.discriminatedUnion("kind", [relaySchema, webhookSchema]).optional(),
    /**
     * Fail2Ban jails that must be running. Defaults to every jail the Fail2Ban area enables on
     * the host (`jailsFor` in components/fail2ban/jails.ts).
     */
    jails: z
        .array(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,40}$/, "must be a jail name such as sshd"))
        .optional(),
    thresholds: thresholdsSchema.default({}),
});

export type MonitoringConfig = z.output<typeof monitoringSchema>;
