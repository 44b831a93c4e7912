/**
 * The real mailfort-backup and mailfort-backup-check beside a MonitorBox: backup.conf rendered
 * from the stack config, with restic's repository, its password and the state files moved into
 * the box's temp root, so the monitor reads state files those scripts wrote themselves.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { renderBackupConf } from "../../components/backups";
import { exampleConfig, repoRoot } from "../support/stack";
import { attempt } from "../support/system";
import type { MonitorBox, Outcome } from "./harness";

const scripts = join(repoRoot, "components", "backups");
export const resticPassword = "monitoring test repository 7c21";

/** Stack config changes that turn backups on, as an operator does. */
export const backupsOn = {
    services: { backups: true },
    backups: { repository: "/srv/backup", checkReadDataPercent: 100 },
    resticPassword,
};

export interface BackupJobs {
    /** Runs `mailfort-backup` or `mailfort-backup-check` as its systemd unit would. */
    run(script: "mailfort-backup" | "mailfort-backup-check"): Outcome;
    /** Replaces the repository password file's content. */
    password(text: string): void;
    passwordFile: string;
    repository: string;
}

export function backupJobs(box: MonitorBox): BackupJobs {
    const config = exampleConfig(backupsOn);
    const data = join(box.root, "volumes", "mailserver-data", "_data");
    const mailbox = join(data, "example.com", "alice", "cur");
    mkdirSync(mailbox, { recursive: true });
    writeFileSync(join(mailbox, "1733240000.M1P1.mail:2,S"),
        "From: bob@example.org\r\nSubject: hi\r\n\r\nbody\r\n");
    const repository = join(box.root, "repo");
    const passwordFile = join(box.root, "restic-password");
    const conf = join(box.root, "backup.conf");
    writeFileSync(conf, renderBackupConf(config.hosts[0]!, config.backups) + [
        `RESTIC_REPOSITORY=${repository}`,
        `RESTIC_PASSWORD_FILE=${passwordFile}`,
        `RESTIC_CACHE_DIR=${box.root}/restic-cache`,
        `STATE_DIR=${box.backupState}`,
        `SECURITY_LOG=${box.securityLog}`,
        `BACKUP_PATHS=(${data})`,
        "",
    ].join("\n"));
    const password = (text: string) => writeFileSync(passwordFile, `${text}\n`, { mode: 0o600 });
    password(resticPassword);
    return {
        run(script) {
            const outcome = attempt("env", [
                `MAILFORT_BACKUP_CONF=${conf}`, `MAILFORT_LIB=${scripts}`,
                "bash", join(scripts, script),
            ], { timeoutMs: 120_000 });
            return { status: outcome.status, stdout: outcome.stdout, stderr: outcome.stderr };
        },
        password,
        passwordFile,
        repository,
    };
}
