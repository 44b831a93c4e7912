export { Backups } from "./backups";
export type { BackupsArgs } from "./backups";
export {
    backupConfPath,
    backupFiles,
    backupPaths,
    backupStateDir,
    renderBackupConf,
    renderBackupTimer,
    renderCheckTimer,
    resticPasswordPath,
} from "./render";
export type { BackupSecrets } from "./render";
