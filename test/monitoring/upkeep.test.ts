/**
 * The host-upkeep checks. `backup` and `backup-check` read state files that the real
 * mailfort-backup and mailfort-backup-check wrote, running restic against a repository in a
 * temp folder. `security-updates` reads logs in the format unattended-upgrades 2.9.1 (Debian 12)
 * writes, from ./fixtures, with their times moved to just before the test runs.
 */
import { chmodSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";

import { requireTools, run } from "../support/system";
import { backupJobs, backupsOn } from "./backup-jobs";
import { checkLine, MonitorBox } from "./harness";
import { updatesLog } from "./updates-log";

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Runs that may alert send nowhere: a closed local port and no fallback. */
const noDelivery = {
    PRIMARY_TRANSPORT: "smtp", PRIMARY_SMTP_URL: "smtp://127.0.0.1:9", FALLBACK: "none",
};

/** A box with backups on, and the real backup jobs writing its state files. */
function backupBox(settings: Record<string, string | number> = {}) {
    const box = new MonitorBox({ CHECK_BACKUP: "yes", ...settings }, backupsOn);
    const jobs = backupJobs(box);
    return { box, job: jobs.run, password: jobs.password, passwordFile: jobs.passwordFile };
}

function stateOf(box: MonitorBox, job: string): Record<string, string> {
    const text = readFileSync(join(box.backupState, `${job}.state`), "utf8");
    return Object.fromEntries(text.trim().split("\n").map((line) => {
        const at = line.indexOf("=");
        return [line.slice(0, at), line.slice(at + 1)];
    }));
}

describe("backup and backup-check on state files the real backup scripts wrote (restic)", () => {
    let box: MonitorBox;
    beforeAll(() => requireTools({ restic: "restic", flock: "util-linux" }));
    afterEach(() => box?.destroy());

    it("say not installed while services.backups is off", () => {
        box = new MonitorBox({ CHECK_BACKUP: "no" });
        const out = box.status().stdout;
        expect(checkLine(out, "backup")).toMatchObject({ level: "SKIP", text: "not installed" });
        expect(checkLine(out, "backup-check"))
            .toMatchObject({ level: "SKIP", text: "not installed" });
    });

    it("fails before the first backup, then reports the snapshot and its age", () => {
        const host = backupBox();
        box = host.box;
        expect(checkLine(box.status().stdout, "backup"))
            .toMatchObject({ level: "FAIL", figures: { last: "none", age: "never" } });

        expect(host.job("mailfort-backup").status).toBe(0);
        const line = checkLine(box.status().stdout, "backup");
        expect(line).toMatchObject({
            level: "OK",
            figures: { last: "success", age: "0h", snapshot: stateOf(box, "backup").snapshot },
        });
        expect(line.figures.snapshot).toMatch(/^[0-9a-f]{8}$/);
    });

    it("warns, then fails, as the last successful backup ages past the thresholds", async () => {
        const host = backupBox({ BACKUP_WARN_SECONDS: 2, BACKUP_FAIL_SECONDS: 5 });
        box = host.box;
        expect(host.job("mailfort-backup").status).toBe(0);
        await pause(2_100);
        expect(checkLine(box.status().stdout, "backup"))
            .toMatchObject({ level: "WARN", figures: { last: "success" } });
        await pause(3_000);
        expect(checkLine(box.status().stdout, "backup").level).toBe("FAIL");
    });

    it("fails on a failed run, keeping the age of the last success and restic's reason", () => {
        const host = backupBox();
        box = host.box;
        expect(host.job("mailfort-backup").status).toBe(0);
        host.password("not the repository password");
        expect(host.job("mailfort-backup").status).not.toBe(0);
        expect(stateOf(box, "backup").result).toBe("failure");

        const line = checkLine(box.status().stdout, "backup");
        expect(line).toMatchObject({ level: "FAIL", figures: { last: "failure", age: "0h" } });
        expect(line.text).toMatch(/ reason: cannot open .*: wrong password or no key found/);
        expect(line.text).not.toContain("not the repository password");
    });

    it("fails when no backup has ever succeeded", () => {
        const host = backupBox();
        box = host.box;
        rmSync(host.passwordFile);
        expect(host.job("mailfort-backup").status).not.toBe(0);
        expect(stateOf(box, "backup").last_success_epoch).toBe("0");
        expect(checkLine(box.status().stdout, "backup"))
            .toMatchObject({ level: "FAIL", figures: { last: "failure", age: "never" } });
    });

    it("reports the repository check, and fails when it found damage", () => {
        const host = backupBox();
        box = host.box;
        expect(host.job("mailfort-backup").status).toBe(0);
        expect(host.job("mailfort-backup-check").status).toBe(0);
        expect(checkLine(box.status().stdout, "backup-check"))
            .toMatchObject({ level: "OK", figures: { last: "success", age: "0d" } });

        damageLargestPack(join(box.root, "repo", "data"));
        expect(host.job("mailfort-backup-check").status).not.toBe(0);
        const line = checkLine(box.status().stdout, "backup-check");
        expect(line).toMatchObject({ level: "FAIL", figures: { last: "failure" } });
        expect(line.text).toContain(" reason: restic check of ");
    });

    it("waits for the first repository check as long as for a late one", async () => {
        const host = backupBox({
            ...noDelivery, BACKUP_CHECK_WARN_SECONDS: 3, BACKUP_CHECK_FAIL_SECONDS: 60,
        });
        box = host.box;
        expect(host.job("mailfort-backup").status).toBe(0);
        box.run("run");
        expect(checkLine(box.status().stdout, "backup-check"))
            .toMatchObject({ level: "OK", figures: { last: "none", waiting: "0d" } });
        await pause(3_100);
        box.run("run");
        expect(checkLine(box.status().stdout, "backup-check").level).toBe("WARN");
        expect(host.job("mailfort-backup-check").status).toBe(0);
        expect(checkLine(box.status().stdout, "backup-check").level).toBe("OK");
    });
});

/** Overwrites bytes in the largest pack file, the way test/backups damages a repository. */
function damageLargestPack(data: string): void {
    const packs = readdirSync(data).map((d) => join(data, d))
        .flatMap((d) => readdirSync(d).map((f) => join(d, f)))
        .sort((a, b) => statSync(b).size - statSync(a).size);
    const pack = packs[0]!;
    const bytes = readFileSync(pack);
    bytes.fill(0, 100, 200);
    chmodSync(pack, 0o644);
    writeFileSync(pack, bytes);
}

describe("security-updates on unattended-upgrades logs (fixtures in its format)", () => {
    let box: MonitorBox;
    afterEach(() => box?.destroy());

    /** The check's line with unattended-upgrades installed and the given log. */
    function updates(log: string, settings: Record<string, string | number> = {}) {
        box = new MonitorBox(settings);
        writeFileSync(box.updatesProgram, "");
        writeFileSync(box.updatesLog, log);
        return checkLine(box.status().stdout, "security-updates");
    }

    it("says not installed when unattended-upgrades is absent and has logged nothing", () => {
        box = new MonitorBox();
        expect(checkLine(box.status().stdout, "security-updates"))
            .toMatchObject({ level: "SKIP", text: "not installed" });
    });

    it("reads the last run only: its time and upgrades, not an older run's errors", () => {
        const line = updates(updatesLog("unattended-upgrades.log", 3));
        expect(line).toMatchObject({
            level: "OK",
            figures: { age: "3h", upgraded: "3", errors: "0", reboot: "no" },
        });
        expect(line.figures.last_run).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\dZ$/);
        expect(line.text).not.toContain("error:");
    });

    it("does not count the missing sendmail for its report mail as an error", () => {
        const log = updatesLog("unattended-upgrades.log", 3);
        expect(log.split("\n").filter((l) => / ERROR No \/usr\/bin\/mail /.test(l)))
            .toHaveLength(4);
        expect(updates(log).figures.errors).toBe("0");
    });

    it("warns when the last run is older than the threshold", () => {
        expect(updates(updatesLog("unattended-upgrades.log", 72)))
            .toMatchObject({ level: "WARN", figures: { age: "72h", errors: "0" } });
    });

    it("warns while a reboot is required, naming the packages that asked for it", () => {
        box = new MonitorBox();
        writeFileSync(box.updatesProgram, "");
        writeFileSync(box.updatesLog, updatesLog("unattended-upgrades.log", 3));
        // What the kernel's postinst hook (/etc/kernel/postinst.d/unattended-upgrades) writes.
        writeFileSync(box.rebootRequired, "");
        writeFileSync(`${box.rebootRequired}.pkgs`, "linux-image-6.1.0-28-amd64\n");
        expect(checkLine(box.status().stdout, "security-updates")).toMatchObject({
            level: "WARN",
            figures: {
                reboot: "required", reboot_pkgs: "linux-image-6.1.0-28-amd64", auto_reboot: "04:00",
            },
        });
        writeFileSync(box.rebootRequired, "*** System restart required ***\n");
        writeFileSync(`${box.rebootRequired}.pkgs`, "libc6\nlinux-image-6.1.0-28-amd64\nlibc6\n");
        expect(checkLine(box.status().stdout, "security-updates").figures.reboot_pkgs)
            .toBe("libc6,linux-image-6.1.0-28-amd64");
    });

    it("fails when the last run's upgrade failed, with its first error", () => {
        const log = updatesLog("unattended-upgrades.log", 27) +
            updatesLog("unattended-upgrades-failed.log", 3);
        const line = updates(log);
        expect(line).toMatchObject({ level: "FAIL", figures: { upgraded: "1", errors: "3" } });
        expect(line.text).toMatch(/ error: Installing the upgrades failed!$/);
    });

    it("fails on a traceback in the last run", () => {
        const line = updates(updatesLog("unattended-upgrades-traceback.log", 1));
        expect(line).toMatchObject({ level: "FAIL", figures: { upgraded: "0", errors: "2" } });
        expect(line.text).toMatch(/ error: An error occurred:$/);
    });

    it("finds the last run in the rotated log until the next run writes a new one", () => {
        requireTools({ logrotate: "logrotate" });
        updates(updatesLog("unattended-upgrades.log", 30));
        // The package's own /etc/logrotate.d/unattended-upgrades, applied to the test's copy.
        const conf = join(box.root, "logrotate.conf");
        writeFileSync(conf, `${box.updatesLog} {\n  rotate 6\n  monthly\n  compress\n` +
            "  missingok\n  notifempty\n}\n");
        run("logrotate", ["--force", "--state", join(box.root, "logrotate.state"), conf]);
        expect(statSync(`${box.updatesLog}.1.gz`).size).toBeGreaterThan(0);
        expect(checkLine(box.status().stdout, "security-updates"))
            .toMatchObject({ level: "OK", figures: { age: "30h", upgraded: "3" } });
    });

    it("waits for the first run on a fresh host as long as for a late one", async () => {
        box = new MonitorBox({ ...noDelivery, UPDATES_WARN_SECONDS: 3 });
        writeFileSync(box.updatesProgram, "");
        box.run("run");
        expect(checkLine(box.status().stdout, "security-updates"))
            .toMatchObject({ level: "OK", figures: { last_run: "never", waiting: "0h" } });
        await pause(3_100);
        box.run("run");
        expect(checkLine(box.status().stdout, "security-updates").level).toBe("WARN");
        writeFileSync(box.updatesLog, updatesLog("unattended-upgrades.log", 0));
        expect(checkLine(box.status().stdout, "security-updates").level).toBe("OK");
    });
});
