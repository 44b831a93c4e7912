/**
 * restic for real through the real scripts: back up a fixture maildir, DKIM key and certificate,
 * delete them, restore them byte for byte; retention prunes as configured; a wrong password and a
 * damaged repository fail loudly into the state files and the security log.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { renderBackupConf } from "../../components/backups";
import { attempt, requireTools, run } from "../support/system";
import { stack } from "../sshd/fixture";

const scripts = path.join(__dirname, "../../components/backups");
const password = "correct horse battery staple 42";

let root: string;
let sources: string[];

interface Job {
    status: number | null;
    stdout: string;
    stderr: string;
}

/** The rendered backup.conf with every path moved into the temp dir, as a test root would. */
function writeConf(name: string, settings: Record<string, unknown> = {}): string {
    const config = stack({ backups: { repository: "/srv/backup", ...settings } });
    const dir = path.join(root, name);
    fs.mkdirSync(dir, { recursive: true });
    const overrides = [
        `RESTIC_REPOSITORY=${dir}/repo`,
        `RESTIC_PASSWORD_FILE=${dir}/restic-password`,
        `RESTIC_CACHE_DIR=${root}/cache`,
        `STATE_DIR=${dir}/state`,
        `RESTORE_DIR=${dir}/restore`,
        `SECURITY_LOG=${dir}/security.log`,
        `BACKUP_PATHS=(${sources.join(" ")})`,
    ];
    const conf = path.join(dir, "backup.conf");
    fs.writeFileSync(conf, renderBackupConf(config.hosts[0]!, config.backups) +
        overrides.join("\n") + "\n");
    fs.writeFileSync(path.join(dir, "restic-password"), `${password}\n`, { mode: 0o600 });
    return conf;
}

function job(script: string, conf: string, args: string[] = []): Job {
    const result = attempt("env", [
        `MAILFORT_BACKUP_CONF=${conf}`, `MAILFORT_LIB=${scripts}`,
        "bash", path.join(scripts, script), ...args,
    ], { timeoutMs: 120_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function state(conf: string, name: string): Record<string, string> {
    const text = fs.readFileSync(path.join(path.dirname(conf), "state", `${name}.state`), "utf8");
    return Object.fromEntries(text.trim().split("\n").map((line) => {
        const at = line.indexOf("=");
        return [line.slice(0, at), line.slice(at + 1)];
    }));
}

function restic(conf: string, args: string[]): string {
    const dir = path.dirname(conf);
    return run("env", [
        `RESTIC_REPOSITORY=${dir}/repo`, `RESTIC_PASSWORD_FILE=${dir}/restic-password`,
        `RESTIC_CACHE_DIR=${root}/cache`, "restic", ...args,
    ], { timeoutMs: 120_000 });
}

function snapshotTimes(conf: string): string[] {
    const list = JSON.parse(restic(conf, ["snapshots", "--json"])) as { time: string }[];
    return list.map((s) => s.time.slice(0, 10)).sort();
}

/** Path, type, mode and content hash of everything under the sources, for an exact compare. */
function manifest(): string[] {
    const entries: string[] = [];
    const walk = (dir: string) => {
        for (const name of fs.readdirSync(dir).sort()) {
            const file = path.join(dir, name);
            const stat = fs.lstatSync(file);
            const mode = (stat.mode & 0o7777).toString(8);
            if (stat.isSymbolicLink()) entries.push(`${file} link ${fs.readlinkSync(file)}`);
            else if (stat.isDirectory()) {
                entries.push(`${file} dir ${mode} ${stat.uid}`);
                walk(file);
            } else {
                const hash = createHash("sha256").update(fs.readFileSync(file)).digest("hex");
                entries.push(`${file} file ${mode} ${stat.uid} ${stat.size} ${hash}`);
            }
        }
    };
    sources.forEach(walk);
    return entries;
}

/** A maildir with odd names and binary mail, a DKIM key and a certificate, like a real host. */
function writeFixture(): void {
    const maildir = path.join(sources[0]!, "example.com/alice");
    for (const sub of ["cur", "new", "tmp", ".Sent/cur", ".Entwürfe mit Leerzeichen/cur"]) {
        fs.mkdirSync(path.join(maildir, sub), { recursive: true });
    }
    fs.writeFileSync(path.join(maildir, "cur/1733240000.M1P1.mail.example.com,S=4096:2,S"),
        "From: bob@example.org\r\nSubject: hi\r\n\r\nbody\r\n");
    fs.writeFileSync(path.join(maildir, "new/1733240001.M2P1.mail.example.com"),
        Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 256)));
    fs.writeFileSync(path.join(maildir, ".Sent/cur/empty"), "");
    fs.writeFileSync(path.join(maildir, "dovecot-uidlist"), "3 V1 N3\n", { mode: 0o600 });
    fs.chownSync(path.join(maildir, "dovecot-uidlist"), 5000, 5000);
    const dkim = path.join(sources[1]!, "rspamd/dkim");
    fs.mkdirSync(dkim, { recursive: true });
    fs.writeFileSync(path.join(dkim, "rsa-2048-mail-example.com.private.txt"),
        "-----BEGIN PRIVATE KEY-----\nfixture\n-----END PRIVATE KEY-----\n", { mode: 0o600 });
    const live = path.join(sources[2]!, "live/mail.example.com");
    fs.mkdirSync(live, { recursive: true });
    fs.writeFileSync(path.join(sources[2]!, "cert1.pem"), "-----BEGIN CERTIFICATE-----\n");
    fs.symlinkSync("../../cert1.pem", path.join(live, "fullchain.pem"));
}

beforeAll(() => {
    requireTools({ restic: "restic", flock: "util-linux" });
    root = fs.mkdtempSync(path.join(os.tmpdir(), "mfssh-backups-"));
    sources = ["volumes/mailserver-data/_data", "dms/config", "letsencrypt"]
        .map((p) => path.join(root, "host", p));
    writeFixture();
});

afterAll(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe("mailfort-backup and mailfort-restore", () => {
    let conf: string;
    let before: string[];

    it("creates the repository on first run and records the snapshot", () => {
        conf = writeConf("main");
        before = manifest();
        const backup = job("mailfort-backup", conf);
        expect(backup.status, backup.stderr).toBe(0);
        expect(backup.stderr).toContain("initialising it");
        const recorded = state(conf, "backup");
        expect(recorded.result).toBe("success");
        const snapshots = JSON.parse(restic(conf, ["snapshots", "--json"])) as
            { short_id: string; hostname: string; tags: string[] }[];
        expect(snapshots).toHaveLength(1);
        expect(recorded.snapshot).toBe(snapshots[0]!.short_id);
        expect(snapshots[0]!.hostname).toBe("mail.example.com");
        expect(snapshots[0]!.tags).toEqual(["mailfort"]);
    });

    it("restores deleted data in place, byte for byte with modes and owners", () => {
        for (const source of sources) fs.rmSync(source, { recursive: true, force: true });
        expect(fs.existsSync(sources[0]!)).toBe(false);
        const restore = job("mailfort-restore", conf, ["--in-place"]);
        expect(restore.status, restore.stderr).toBe(0);
        expect(manifest()).toEqual(before);
    });

    it("restores into a fresh folder by default, leaving live data alone", () => {
        const restore = job("mailfort-restore", conf, ["--include", sources[1]!]);
        expect(restore.status, restore.stderr).toBe(0);
        const target = restore.stdout.trim();
        expect(target.startsWith(path.join(root, "main/restore/latest-"))).toBe(true);
        const key = "rspamd/dkim/rsa-2048-mail-example.com.private.txt";
        expect(fs.readFileSync(path.join(target, sources[1]!, key)))
            .toEqual(fs.readFileSync(path.join(sources[1]!, key)));
        expect(fs.existsSync(path.join(target, sources[0]!))).toBe(false);
    });

    it("fails with a clear error on a wrong password and reports it", () => {
        const previous = state(conf, "backup");
        fs.writeFileSync(path.join(root, "main/restic-password"), "not the password\n");
        const backup = job("mailfort-backup", conf);
        expect(backup.status).not.toBe(0);
        expect(backup.stderr).toContain("wrong password or no key found");
        const recorded = state(conf, "backup");
        expect(recorded.result).toBe("failure");
        expect(recorded.message).toContain("wrong password");
        expect(recorded.last_success_epoch).toBe(previous.last_success_epoch);
        const log = fs.readFileSync(path.join(root, "main/security.log"), "utf8");
        expect(log).toMatch(/ERROR mailfort-backup: cannot open .*wrong password/);
        expect(log + JSON.stringify(recorded)).not.toContain("not the password");
        // The wrong password must not have created a second repository.
        expect(fs.readdirSync(path.join(root, "main/repo/keys"))).toHaveLength(1);
        fs.writeFileSync(path.join(root, "main/restic-password"), `${password}\n`);
    });
});

describe("retention", () => {
    // Buckets by the dates below, newest first (ISO weeks of 2020): keep-daily 1 keeps today's;
    // keep-weekly 3 adds 03-13 (week 11) and 03-01 (week 9); keep-monthly 3 adds 02-26 (Feb).
    const fakeDates = ["2020-01-06", "2020-01-21", "2020-02-11", "2020-02-26", "2020-03-01",
        "2020-03-10", "2020-03-11", "2020-03-12", "2020-03-13"];

    it("keeps exactly the daily, weekly and monthly snapshots the config asks for", () => {
        const conf = writeConf("retention", { keepDaily: 1, keepWeekly: 3, keepMonthly: 3 });
        restic(conf, ["init"]);
        for (const date of fakeDates) {
            restic(conf, ["backup", "--host", "mail.example.com", "--tag", "mailfort",
                "--time", `${date} 12:00:00`, ...sources]);
        }
        const backup = job("mailfort-backup", conf);
        expect(backup.status, backup.stderr).toBe(0);
        const kept = snapshotTimes(conf);
        expect(kept.slice(0, 3)).toEqual(["2020-02-26", "2020-03-01", "2020-03-13"]);
        expect(kept).toHaveLength(4);
        expect(kept[3]!.startsWith("2020")).toBe(false);
    });
});

describe("mailfort-backup-check", () => {
    it("records a verified repository, then reports a damaged one", () => {
        const conf = writeConf("check", { checkReadDataPercent: 100 });
        expect(job("mailfort-backup", conf).status).toBe(0);
        const good = job("mailfort-backup-check", conf);
        expect(good.status, good.stderr).toBe(0);
        expect(state(conf, "check").result).toBe("success");

        const data = path.join(root, "check/repo/data");
        const pack = fs.readdirSync(data).map((d) => path.join(data, d))
            .flatMap((d) => fs.readdirSync(d).map((f) => path.join(d, f)))
            .sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0]!;
        const bytes = fs.readFileSync(pack);
        bytes.fill(0, 100, 200);
        fs.chmodSync(pack, 0o644);
        fs.writeFileSync(pack, bytes);

        const bad = job("mailfort-backup-check", conf);
        expect(bad.status).not.toBe(0);
        const recorded = state(conf, "check");
        expect(recorded.result).toBe("failure");
        expect(Number(recorded.last_success_epoch)).toBeGreaterThan(0);
        expect(fs.readFileSync(path.join(root, "check/security.log"), "utf8"))
            .toContain("ERROR mailfort-backup-check: restic check");
    });
});
