/**
 * The monitoring run against logs written the way Postfix, Dovecot and sshd write them: counts and
 * top sources, incremental reading (a second run sees nothing new, history is never re-read),
 * rotation, unfinished lines. What a run costs is the monitoring-cost benchmark's business.
 */
import { appendFileSync, copyFileSync, readdirSync, renameSync } from "node:fs";
import { truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { requireTools } from "../support/system";
import { checkLine, fixture, lastLogged, MonitorBox } from "./harness";

const expected = {
    "failed-logins": {
        total: "16", smtp: "5", imap: "5", ssh: "6",
        top: "203.0.113.5=8,203.0.113.9=4,198.51.100.20=2,198.51.100.7=2",
    },
    "mail-volume": { in: "2", out: "4" },
    "spam-virus": { spam: "4", virus: "1" },
};

/** Sums of the counting checks over several runs, read from the security log. */
function totals(log: string): Record<string, number> {
    const sums: Record<string, number> = {};
    for (const line of log.split("\n")) {
        const [, , check, ...rest] = line.split(" ");
        if (!check || !(check in expected)) continue;
        for (const word of rest) {
            const [key, value] = word.split("=");
            if (key && key !== "top" && value !== undefined) {
                sums[`${check}.${key}`] = (sums[`${check}.${key}`] ?? 0) + Number(value);
            }
        }
    }
    return sums;
}

const fixtureTotals = {
    "failed-logins.total": 16, "failed-logins.smtp": 5, "failed-logins.imap": 5,
    "failed-logins.ssh": 6, "mail-volume.in": 2, "mail-volume.out": 4,
    "spam-virus.spam": 4, "spam-virus.virus": 1,
};

describe("mailfort-monitor on fixture logs (Docker CLI: the test stand-in)", () => {
    let box: MonitorBox;

    beforeEach(() => {
        requireTools({ bash: "bash", awk: "mawk", flock: "util-linux", curl: "curl" });
        box = new MonitorBox();
        // The first run records where the logs end: history before install is not counted.
        expect(box.run("run").status).toBe(0);
    });

    afterEach(() => box.destroy());

    it("counts failed logins per service, top sources, mail volume and detections", () => {
        appendFileSync(box.mailLog, fixture("mail.log"));
        appendFileSync(box.authLog, fixture("auth.log"));

        const status = box.status().stdout;
        for (const [check, figures] of Object.entries(expected)) {
            expect(checkLine(status, check).figures).toMatchObject(figures);
        }
        // Addresses planted in user names must never be named as sources.
        expect(status).not.toMatch(/192\.0\.2\.(99|50)/);

        expect(box.run("run").status).toBe(0);
        for (const [check, figures] of Object.entries(expected)) {
            expect(lastLogged(box.security(), check).figures).toMatchObject(figures);
        }
    });

    it("status is read-only and a second run reports nothing new", () => {
        appendFileSync(box.mailLog, fixture("mail.log"));
        appendFileSync(box.authLog, fixture("auth.log"));
        box.status();
        box.status();

        box.run("run");
        expect(lastLogged(box.security(), "failed-logins").figures.total).toBe("16");
        box.run("run");
        expect(lastLogged(box.security(), "failed-logins").figures).toMatchObject({
            total: "0", top: "none",
        });
        expect(lastLogged(box.security(), "mail-volume").figures)
            .toMatchObject({ in: "0", out: "0" });
        expect(checkLine(box.status().stdout, "failed-logins").figures.total).toBe("0");
    });

    it("survives a distributed attack: thousands of sources in one interval", () => {
        // One failure each from 6,000 IPv6 addresses: the top-sources pipeline once died of
        // SIGPIPE here, failing the run and leaving its offsets unsaved.
        const lines = Array.from({ length: 6000 }, (_, i) =>
            `Dec  3 18:10:00 mail postfix/smtpd[200]: warning: unknown[2001:db8::${i.toString(16)}]: ` +
            "SASL LOGIN authentication failed: UGFzc3dvcmQ6\n");
        appendFileSync(box.mailLog, lines.join(""));
        for (let attempt = 0; attempt < 3; attempt++) {
            expect(box.run("run").status).toBe(0);
        }
        const logged = box.security().split("\n").filter((l) => l.includes(" failed-logins "));
        const sums = logged.map((l) => Number(/ smtp=(\d+)/.exec(l)?.[1] ?? 0));
        // Counted once, by the first run; the next runs find nothing new.
        expect(sums.reduce((a, b) => a + b, 0)).toBe(6000);
    });

    it("loses nothing and counts nothing twice across a rotation (rename + new file)", () => {
        const mail = fixture("mail.log").split(/(?<=\n)/);
        const auth = fixture("auth.log").split(/(?<=\n)/);
        appendFileSync(box.mailLog, mail.slice(0, 9).join(""));
        appendFileSync(box.authLog, auth.slice(0, 3).join(""));
        box.run("run");

        // More lines land in the old file, then logrotate renames it and a new file starts.
        appendFileSync(box.mailLog, mail.slice(9, 20).join(""));
        appendFileSync(box.authLog, auth.slice(3, 5).join(""));
        renameSync(box.mailLog, `${box.mailLog}.1`);
        renameSync(box.authLog, `${box.authLog}.1`);
        writeFileSync(box.mailLog, mail.slice(20).join(""));
        writeFileSync(box.authLog, auth.slice(5).join(""));
        box.run("run");
        box.run("run");

        expect(totals(box.security())).toEqual(fixtureTotals);
        expect(lastLogged(box.security(), "failed-logins").figures.total).toBe("0");
    });

    it("loses nothing and counts nothing twice across copytruncate, as DMS rotates mail.log", () => {
        const mail = fixture("mail.log").split(/(?<=\n)/);
        appendFileSync(box.mailLog, mail.slice(0, 9).join(""));
        box.run("run");

        // logrotate's copytruncate: copy the whole file to .1, then empty the original in place.
        appendFileSync(box.mailLog, mail.slice(9, 20).join(""));
        copyFileSync(box.mailLog, `${box.mailLog}.1`);
        truncateSync(box.mailLog, 0);
        appendFileSync(box.mailLog, mail.slice(20).join(""));
        const outcome = box.run("run");
        box.run("run");

        expect(outcome.stderr).not.toMatch(/rotated/);
        // Only mail.log changed hands here; auth.log's six SSH failures were never written.
        expect(totals(box.security())).toEqual({
            ...fixtureTotals, "failed-logins.total": 10, "failed-logins.ssh": 0,
        });
    });

    it("reads no stranger's file as the rest of the log after a truncation", () => {
        const mail = fixture("mail.log").split(/(?<=\n)/);
        appendFileSync(box.mailLog, mail.slice(0, 9).join(""));
        box.run("run");

        // A .1 that is not a copy of what was read: reading it from the offset would count junk.
        writeFileSync(`${box.mailLog}.1`, mail.slice(9).join("").replace(/^Dec/gm, "Nov"));
        truncateSync(box.mailLog, 0);
        const outcome = box.run("run");

        expect(outcome.stderr).toMatch(/WARN .*mail\.log\.1 is not the file read last time/);
        expect(lastLogged(box.security(), "failed-logins").figures.total).toBe("0");
        expect(lastLogged(box.security(), "mail-volume").figures).toMatchObject({ in: "0" });
    });

    it("leaves a line the daemon has not finished for the next run", () => {
        const line = "Dec  3 19:00:00 mail postfix/smtpd[1]: warning: unknown[203.0.113.77]: " +
            "SASL LOGIN authentication failed: UGFzc3dvcmQ6";
        appendFileSync(box.mailLog, line.slice(0, 40));
        box.run("run");
        expect(lastLogged(box.security(), "failed-logins").figures.total).toBe("0");

        appendFileSync(box.mailLog, `${line.slice(40)}\n`);
        box.run("run");
        expect(lastLogged(box.security(), "failed-logins").figures).toMatchObject({
            total: "1", top: "203.0.113.77=1",
        });
    });

    it("keeps running when a full disk left its state files empty", () => {
        for (const folder of ["offsets", "figures"]) {
            const dir = join(box.root, "state", folder);
            for (const file of readdirSync(dir)) writeFileSync(join(dir, file), "");
        }
        appendFileSync(box.mailLog, fixture("mail.log"));
        expect(box.run("run").status).toBe(0);
        // Without offsets the run starts again at the end of each log, reading nothing twice.
        expect(lastLogged(box.security(), "failed-logins").figures.total).toBe("0");

        appendFileSync(box.mailLog, fixture("mail.log"));
        expect(box.run("run").status).toBe(0);
        expect(lastLogged(box.security(), "failed-logins").figures.smtp).toBe("5");
    });

    it("reads only the appended bytes, however much history the log holds", () => {
        const big = new MonitorBox();
        try {
            // 200,000 failed logins already in the log before the first run: a run that read
            // the whole file would count them; one that seeks to its offset counts only the
            // fixture's 5. (What this costs is measured by `npm run bench -- monitoring-cost`.)
            const failure = "Dec  3 17:00:00 mail postfix/smtpd[9]: warning: unknown[192.0.2.9]: " +
                "SASL LOGIN authentication failed: UGFzc3dvcmQ6\n";
            writeFileSync(big.mailLog, failure.repeat(200_000));
            expect(big.run("run").status).toBe(0);
            appendFileSync(big.mailLog, fixture("mail.log"));
            expect(big.run("run").status).toBe(0);
            expect(lastLogged(big.security(), "failed-logins").figures.smtp).toBe("5");
        } finally {
            big.destroy();
        }
    });
});
