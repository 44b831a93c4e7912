/**
 * Pure renderers for the restic backups: the parameters of the host scripts, the systemd timers
 * and the secret files. Scripts and service units are real files beside this one.
 */
import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import * as path from "node:path";

import type { HostConfig, StackConfig } from "../../config";
import type { BackupsSettings } from "../../config/sections/backups";
import type { HostFile } from "../host/files";
import { hostPaths, mailVolumes } from "../host/paths";

/** The secrets a backup needs; S3 credentials only for an `s3:` repository. */
export interface BackupSecrets {
    resticPassword: pulumi.Input<string>;
    s3AccessKeyId?: pulumi.Input<string>;
    s3SecretAccessKey?: pulumi.Input<string>;
}

export const backupConfPath = `${hostPaths.etc}/backup.conf`;
export const backupSecretsDir = `${hostPaths.etc}/backup`;
export const resticPasswordPath = `${backupSecretsDir}/restic-password`;
export const s3EnvPath = `${backupSecretsDir}/s3.env`;
export const backupLibDir = `${hostPaths.root}/lib`;
/** State files the monitoring reads: `backup.state` and `check.state` (KEY=value lines). */
export const backupStateDir = `${hostPaths.state}/backup`;

const systemdDir = "/etc/systemd/system";
const scripts = ["mailfort-backup", "mailfort-restore", "mailfort-backup-check"];

/** What is backed up: both mail volumes, the DMS config with the DKIM keys, the certificates. */
export function backupPaths(): string[] {
    return [
        `/var/lib/docker/volumes/${mailVolumes.data}/_data`,
        `/var/lib/docker/volumes/${mailVolumes.state}/_data`,
        hostPaths.dmsConfig,
        hostPaths.letsencrypt,
    ];
}

/*
 * Limitation: an `sftp:` repository logs in with root's own SSH key and known_hosts on the host
 * (/root/.ssh); mailfort neither creates that key nor pins the backup server's host key.
 */
export function isS3(repository: string): boolean {
    return repository.startsWith("s3:");
}

/** The repository, or a message naming the key when backups are on without one. */
export function requireRepository(backups: BackupsSettings): string {
    if (!backups.repository) {
        throw new Error("mailfort:backups.repository must be set when mailfort:services.backups " +
            "is true, e.g. /srv/backup, sftp:backup@203.0.113.5:/srv/mailfort or s3:host/bucket");
    }
    return backups.repository;
}

/** Parameters of the three backup scripts, as a sourced shell file of validated values. */
export function renderBackupConf(host: HostConfig, backups: BackupsSettings): string {
    const repository = requireRepository(backups);
    const s3 = isS3(repository) ? [`S3_ENV_FILE=${s3EnvPath}`] : [];
    return [
        "# Parameters of mailfort-backup, mailfort-restore and mailfort-backup-check.",
        `RESTIC_REPOSITORY='${repository}'`,
        `RESTIC_PASSWORD_FILE=${resticPasswordPath}`,
        ...s3,
        "RESTIC_CACHE_DIR=/var/cache/mailfort/restic",
        `BACKUP_HOST=${host.hostname}`,
        "BACKUP_TAG=mailfort",
        "BACKUP_PATHS=(",
        ...backupPaths().map((p) => `  ${p}`),
        ")",
        `KEEP_DAILY=${backups.keepDaily}`,
        `KEEP_WEEKLY=${backups.keepWeekly}`,
        `KEEP_MONTHLY=${backups.keepMonthly}`,
        `CHECK_READ_DATA_SUBSET=${backups.checkReadDataPercent}%`,
        `STATE_DIR=${backupStateDir}`,
        `RESTORE_DIR=${hostPaths.state}/restore`,
        `SECURITY_LOG=${hostPaths.securityLog}`,
        "MAIL_CONTAINER=mailserver",
        "",
    ].join("\n");
}

function renderTimer(description: string, onCalendar: string, delayMinutes: number): string {
    return [
        "# Managed by mailfort (components/backups).",
        "[Unit]",
        `Description=${description}`,
        "",
        "[Timer]",
        `OnCalendar=${onCalendar}`,
        `RandomizedDelaySec=${delayMinutes}m`,
        // A host that was off at the scheduled time runs the missed job at boot.
        "Persistent=true",
        "",
        "[Install]",
        "WantedBy=timers.target",
        "",
    ].join("\n");
}

export function renderBackupTimer(backups: BackupsSettings): string {
    const onCalendar = `*-*-* ${backups.time}:00`;
    return renderTimer("Daily mailfort backup", onCalendar, backups.randomizedDelayMinutes);
}

export function renderCheckTimer(backups: BackupsSettings): string {
    const onCalendar = `${backups.checkWeekday} *-*-* ${backups.checkTime}:00`;
    return renderTimer("Weekly mailfort backup repository check", onCalendar, 30);
}

function readLocal(name: string): string {
    return fs.readFileSync(path.join(__dirname, name), "utf8");
}

function secretFiles(repository: string, secrets: BackupSecrets): HostFile[] {
    const password: HostFile = {
        path: resticPasswordPath,
        content: secrets.resticPassword,
        mode: "0600",
        secret: true,
    };
    if (!isS3(repository)) return [password];
    if (!secrets.s3AccessKeyId || !secrets.s3SecretAccessKey) {
        throw new Error("mailfort:resticS3AccessKeyId and mailfort:resticS3SecretAccessKey " +
            `must be set for the S3 repository ${repository}`);
    }
    const env = pulumi.interpolate`AWS_ACCESS_KEY_ID=${secrets.s3AccessKeyId}
AWS_SECRET_ACCESS_KEY=${secrets.s3SecretAccessKey}
`;
    return [password, { path: s3EnvPath, content: env, mode: "0600", secret: true }];
}

/** Every file the backups ship to one host. Throws when the repository or a secret is missing. */
export function backupFiles(
    host: HostConfig,
    config: StackConfig,
    secrets: BackupSecrets,
): HostFile[] {
    const repository = requireRepository(config.backups);
    return [
        { path: `${backupLibDir}/backup-common.sh`, content: readLocal("backup-common.sh") },
        ...scripts.map((name): HostFile => ({
            path: `${hostPaths.bin}/${name}`,
            content: readLocal(name),
            mode: "0755",
        })),
        { path: backupConfPath, content: renderBackupConf(host, config.backups), mode: "0600" },
        ...secretFiles(repository, secrets),
        ...["mailfort-backup.service", "mailfort-backup-check.service"].map((unit) => ({
            path: `${systemdDir}/${unit}`,
            content: readLocal(`systemd/${unit}`),
        })),
        {
            path: `${systemdDir}/mailfort-backup.timer`,
            content: renderBackupTimer(config.backups),
        },
        {
            path: `${systemdDir}/mailfort-backup-check.timer`,
            content: renderCheckTimer(config.backups),
        },
    ];
}
