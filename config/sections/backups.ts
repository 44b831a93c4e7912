/**
 * restic backup settings. The repository password and S3 credentials are secrets and live in
 * their own config keys (mailfort:resticPassword, mailfort:resticS3AccessKeyId,
 * mailfort:resticS3SecretAccessKey), never here.
 */
import { z } from "zod";

const clockTime = z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a 24-hour time such as 03:30");

// Only the three back ends mailfort documents; `rest:` URLs would carry credentials in config.
const repositoryForms = [
    "/[A-Za-z0-9._/-]+",
    "sftp:[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:/?[A-Za-z0-9._/-]+",
    "s3:[A-Za-z0-9.:/-]+/[A-Za-z0-9._/-]+",
];
const repositoryPattern = new RegExp(`^(?:${repositoryForms.join("|")})$`);

const keep = (fallback: number) => z.number().int().min(1).max(1000).default(fallback);

export const backupsSchema = z.strictObject({
    /** Where snapshots go: `/srv/backup`, `sftp:user@host:/path` or `s3:host/bucket/path`. */
    repository: z
        .string()
        .regex(
            repositoryPattern,
            "must be an absolute path, sftp:user@host:/path or s3:s3.example.com/bucket/path",
        )
        .optional(),
    /** Daily start time of the backup, host local time. */
    time: clockTime.default("03:30"),
    /** Random delay added to the start, so many hosts do not hit one repository at once. */
    randomizedDelayMinutes: z.number().int().min(0).max(180).default(30),
    keepDaily: keep(7),
    keepWeekly: keep(5),
    keepMonthly: keep(12),
    /** Weekday of the repository integrity check (`restic check`). */
    checkWeekday: z.enum(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]).default("Sun"),
    checkTime: clockTime.default("05:30"),
    /** Share of pack files the weekly check downloads and verifies (`--read-data-subset`). */
    checkReadDataPercent: z.number().int().min(1).max(100).default(5),
});

export type BackupsSettings = z.output<typeof backupsSchema>;
