/** The backup renderers: parameters the scripts source, systemd units, secret files. */
import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

import {
    backupFiles,
    renderBackupConf,
    renderBackupTimer,
    renderCheckTimer,
} from "../../components/backups";
import { requireTools, run } from "../support/system";
import { stack } from "../sshd/fixture";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mfssh-units-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("backup.conf", () => {
    const config = stack({ backups: { repository: "/srv/backup", keepMonthly: 24 } });

    it("is a shell file that yields the four backup paths and the retention counts", () => {
        const file = path.join(dir, "backup.conf");
        fs.writeFileSync(file, renderBackupConf(config.hosts[0]!, config.backups));
        const out = run("bash", ["-c",
            `set -eu; source ${file}; printf '%s\\n' "\${BACKUP_PATHS[@]}" "$KEEP_MONTHLY"`]);
        expect(out.trim().split("\n")).toEqual([
            "/var/lib/docker/volumes/mailserver-data/_data",
            "/var/lib/docker/volumes/mailserver-state/_data",
            "/opt/mailfort/dms/config",
            "/opt/mailfort/letsencrypt",
            "24",
        ]);
    });

    it("names the missing key when backups have no repository", () => {
        const bare = stack();
        expect(() => renderBackupConf(bare.hosts[0]!, bare.backups))
            .toThrow(/mailfort:backups\.repository must be set/);
    });

    it("refuses a repository form mailfort does not support", () => {
        expect(() => stack({ backups: { repository: "rest:https://user:pw@host/" } }))
            .toThrow(/mailfort:backups\.repository/);
    });
});

describe("secret files", () => {
    const s3 = stack({ backups: { repository: "s3:s3.example.com/bucket/mail" } });

    it("ship the password and S3 credentials as secret 0600 files", () => {
        const files = backupFiles(s3.hosts[0]!, s3, {
            resticPassword: pulumi.secret("pw"),
            s3AccessKeyId: pulumi.secret("AKIA"),
            s3SecretAccessKey: pulumi.secret("shh"),
        });
        const secrets = files.filter((f) => f.secret);
        expect(secrets.map((f) => [f.path, f.mode])).toEqual([
            ["/etc/mailfort/backup/restic-password", "0600"],
            ["/etc/mailfort/backup/s3.env", "0600"],
        ]);
        expect(renderBackupConf(s3.hosts[0]!, s3.backups))
            .toContain("S3_ENV_FILE=/etc/mailfort/backup/s3.env");
    });

    it("refuse an S3 repository without credentials, naming the keys", () => {
        expect(() => backupFiles(s3.hosts[0]!, s3, { resticPassword: "pw" }))
            .toThrow(/mailfort:resticS3AccessKeyId/);
    });
});

describe("systemd units", () => {
    it("pass systemd-analyze verify, with the calendar from config", () => {
        requireTools({ "systemd-analyze": "systemd" });
        const config = stack({ backups: { repository: "/srv/backup", time: "02:15" } });
        const files = backupFiles(config.hosts[0]!, config, { resticPassword: "pw" });
        const units = files.filter((f) => f.path.startsWith("/etc/systemd/system/"));
        expect(units).toHaveLength(4);
        const scripts = path.join(__dirname, "../../components/backups");
        for (const unit of units) {
            // verify insists the ExecStart program exists: point it at the repo's copy.
            const text = String(unit.content).replace(/\/usr\/local\/sbin\//g, `${scripts}/`);
            fs.writeFileSync(path.join(dir, path.basename(unit.path)), text);
        }
        const names = units.map((u) => path.join(dir, path.basename(u.path)));
        run("systemd-analyze", ["verify", ...names]);
        expect(renderBackupTimer(config.backups)).toContain("OnCalendar=*-*-* 02:15:00\n");
        expect(renderCheckTimer(config.backups)).toContain("OnCalendar=Sun *-*-* 05:30:00\n");
        const next = run("systemd-analyze", ["calendar", "Sun *-*-* 05:30:00"]);
        expect(next).toContain("Next elapse: Sun");
    });
});
