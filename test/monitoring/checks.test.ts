/**
 * The non-log checks against real things: certificates made with openssl, a size-limited tmpfs, a
 * real fail2ban-server, real sockets and an nftables table in a network namespace. Only the
 * Docker CLI is a stand-in (no Docker engine here); the tests that use it say so.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { requiredJails } from "../../components/monitoring";
import { Lab } from "../support/netns";
import { exampleConfig } from "../support/stack";
import { attempt, requireRoot, requireTools, run } from "../support/system";
import { checkLine, dockerStandin, MonitorBox } from "./harness";
import { certificateExpiringIn } from "./sink";

describe("certificate expiry on real certificates", () => {
    let box: MonitorBox;
    beforeAll(() => requireTools({ openssl: "openssl" }));
    afterEach(() => box?.destroy());

    it.each([
        [5, "FAIL"],
        [15, "WARN"],
        [60, "OK"],
    ])("a certificate that expires in %i days is %s", (days, level) => {
        box = new MonitorBox();
        certificateExpiringIn(join(box.root, "cert.pem"), days);
        const line = checkLine(box.status().stdout, "certificate");
        expect(line.level).toBe(level);
        expect(line.figures.days_left).toBe(String(days));
    });

    it("a missing certificate fails", () => {
        box = new MonitorBox();
        expect(checkLine(box.status().stdout, "certificate")).toMatchObject({ level: "FAIL" });
    });
});

describe("disk usage on a real 4 MiB tmpfs", () => {
    let box: MonitorBox;
    let mountpoint: string;

    beforeAll(() => {
        requireRoot();
        box = new MonitorBox();
        mountpoint = join(box.root, "volumes");
        mkdirSync(mountpoint);
        run("mount", ["-t", "tmpfs", "-o", "size=4m", "mfmon-disk", mountpoint]);
        box.set({ DISK_PATHS: `root=${box.root} mailserver-data=${mountpoint}/mailserver-data` });
    });
    afterAll(() => {
        if (mountpoint) attempt("umount", [mountpoint]);
        box?.destroy();
    });

    it.each([
        [3800, "FAIL"],
        [3400, "WARN"],
        [0, "OK"],
    ])("with %i KiB written the mail-data filesystem is %s", (kib, level) => {
        rmSync(join(mountpoint, "fill"), { force: true });
        const fill = join(mountpoint, "fill");
        if (kib > 0) run("dd", ["if=/dev/zero", `of=${fill}`, "bs=1k", `count=${kib}`]);
        // The volume folder does not exist without Docker: its nearest parent's filesystem counts.
        const line = checkLine(box.status().stdout, "disk-mailserver-data");
        expect(line.level).toBe(level);
        expect(line.figures.used).toBe(`${Math.ceil((kib / 4096) * 100)}%`);
        expect(line.figures.path).toBe(mountpoint);
    });
});

describe("Fail2Ban state from a real fail2ban-server", () => {
    let dir: string;
    let box: MonitorBox;

    beforeAll(() => {
        requireTools({ "fail2ban-server": "fail2ban", "fail2ban-client": "fail2ban" });
        dir = mkdtempSync(join(tmpdir(), "mfmon-f2b-"));
        startFail2ban(dir);
        box = new MonitorBox({ FAIL2BAN_SOCKET: join(dir, "f2b.sock") });
    });
    afterAll(() => {
        if (dir) stopFail2ban(dir);
        box?.destroy();
    });

    it("fails naming the jails the stack enables that are not running", () => {
        const config = exampleConfig();
        const missing = requiredJails(config.hosts[0]!, config)
            .filter((jail) => jail !== "sshd" && jail !== "postfix");
        expect(missing).toEqual(expect.arrayContaining(["dovecot", "postfix-helo", "recidive"]));
        const line = checkLine(box.status().stdout, "fail2ban");
        expect(line).toMatchObject({
            level: "FAIL", figures: { jails: "2", missing: missing.join(",") },
        });
    });

    it("requires only the jails monitoring.jails lists when it is set", () => {
        const listed = new MonitorBox(
            { FAIL2BAN_SOCKET: join(dir, "f2b.sock") },
            { monitoring: { jails: ["sshd", "postfix"] } },
        );
        try {
            expect(checkLine(listed.status().stdout, "fail2ban"))
                .toMatchObject({ level: "OK", figures: { jails: "2", banned: "0" } });
        } finally {
            listed.destroy();
        }
    });

    it("counts bans now and new bans since the last run", () => {
        box.set({ FAIL2BAN_JAILS: "sshd postfix", NEW_BANS_WARN: 3 });
        box.run("run");
        const client = ["-s", join(dir, "f2b.sock"), "set"];
        run("fail2ban-client", [...client, "sshd", "banip", "203.0.113.50", "203.0.113.51"]);
        run("fail2ban-client", [...client, "postfix", "banip", "198.51.100.60"]);

        expect(checkLine(box.status().stdout, "fail2ban"))
            .toMatchObject({
                level: "WARN",
                figures: { jails: "2", banned: "3", new: "3", per_jail: "postfix:1,sshd:2" },
            });
        box.run("run");
        expect(checkLine(box.status().stdout, "fail2ban"))
            .toMatchObject({ level: "OK", figures: { banned: "3", new: "0" } });
    });

    it(`mailfort-status prints one line per check, exit 1 on a FAIL ${dockerStandin}`, () => {
        const host = new MonitorBox({
            FAIL2BAN_SOCKET: join(dir, "f2b.sock"), FAIL2BAN_JAILS: "sshd",
        });
        try {
            host.container("mailserver", "running healthy 0");
            host.container("certbot-mailserver", "running none 0");
            certificateExpiringIn(join(host.root, "cert.pem"), 60);
            const healthy = host.status();
            expect(healthy.status).toBe(0);
            const lines = healthy.stdout.trim().split("\n");
            expect(lines.map((l) => l.split(/\s+/)[1])).toEqual([
                "failed-logins", "fail2ban", "mail-volume", "mail-queue", "spam-virus",
                "disk-root",
                "certificate", "mailserver", "certbot", "ufw", "nftables", "connections",
                "backup", "backup-check", "security-updates",
            ]);
            for (const line of lines) expect(line).toMatch(/^(OK  |SKIP) [a-z0-9-]+ +\S.*$/);

            certificateExpiringIn(join(host.root, "cert.pem"), 15);
            expect(host.status())
                .toMatchObject({ status: 0, stdout: expect.stringMatching(/^WARN certificate/m) });
            certificateExpiringIn(join(host.root, "cert.pem"), 5);
            expect(host.status())
                .toMatchObject({ status: 1, stdout: expect.stringMatching(/^FAIL certificate/m) });
            expect(host.security()).toBe("");
        } finally {
            host.destroy();
        }
    });

    it("reports a stopped server as a failure", () => {
        const stopped = new MonitorBox({ FAIL2BAN_SOCKET: join(dir, "absent.sock") });
        try {
            expect(checkLine(stopped.status().stdout, "fail2ban").level).toBe("FAIL");
        } finally {
            stopped.destroy();
        }
    });
});

function startFail2ban(dir: string): void {
    const conf = join(dir, "etc");
    cpSync("/etc/fail2ban", conf, { recursive: true });
    rmSync(join(conf, "jail.d"), { recursive: true, force: true });
    writeFileSync(join(dir, "auth.log"), "");
    writeFileSync(join(dir, "mail.log"), "");
    writeFileSync(join(conf, "fail2ban.local"), [
        "[Definition]",
        `socket = ${join(dir, "f2b.sock")}`,
        `pidfile = ${join(dir, "f2b.pid")}`,
        "dbfile = :memory:",
        `logtarget = ${join(dir, "f2b.log")}`,
        "",
    ].join("\n"));
    // No actions: bans are only recorded, nothing on this machine's firewall changes.
    writeFileSync(join(conf, "jail.local"), [
        "[DEFAULT]", "backend = polling", "banaction =", "action =",
        "[sshd]", "enabled = true", `logpath = ${join(dir, "auth.log")}`,
        "[postfix]", "enabled = true", `logpath = ${join(dir, "mail.log")}`,
        "",
    ].join("\n"));
    run("fail2ban-client", ["-c", conf, "start"], { timeoutMs: 30_000 });
}

function stopFail2ban(dir: string): void {
    attempt("fail2ban-client", ["-c", join(dir, "etc"), "stop"], { timeoutMs: 30_000 });
    rmSync(dir, { recursive: true, force: true });
}

describe(`service health and queue ${dockerStandin}`, () => {
    let box: MonitorBox;
    beforeAll(() => {
        box = new MonitorBox({ QUEUE_WARN: 5, QUEUE_FAIL: 10, QUEUE_GROWTH_WARN: 3 });
    });
    afterAll(() => box?.destroy());

    it.each([
        ["running healthy 0", "OK"],
        ["running starting 0", "WARN"],
        ["running unhealthy 0", "FAIL"],
        ["exited none 0", "FAIL"],
        [undefined, "FAIL"],
    ])("a mail container that is %s is %s", (state, level) => {
        box.container("mailserver", state);
        expect(checkLine(box.status().stdout, "mailserver").level).toBe(level);
    });

    it("mailfort-status exits 3 naming the parameters file it cannot read", () => {
        const missing = join(box.root, "absent.conf");
        box.env = { MAILFORT_MONITORING_CONF: missing };
        try {
            expect(box.status())
                .toMatchObject({ status: 3, stderr: expect.stringContaining(missing) });
        } finally {
            box.env = {};
        }
    });

    it("reads the queue size and warns when it grows", () => {
        box.container("mailserver", "running healthy 0");
        const queue = (n: number) => writeFileSync(join(box.docker, "mailserver.queue"),
            '{"queue_name":"deferred","queue_id":"4Q1A2B3C4D"}\n'.repeat(n));
        queue(1);
        box.run("run");
        queue(4);
        expect(checkLine(box.status().stdout, "mail-queue"))
            .toMatchObject({ level: "WARN", figures: { queued: "4", growth: "3" } });
        box.run("run");
        expect(checkLine(box.status().stdout, "mail-queue"))
            .toMatchObject({ level: "OK", figures: { queued: "4", growth: "0" } });
        queue(12);
        expect(checkLine(box.status().stdout, "mail-queue").level).toBe("FAIL");
    });
});

describe("connections and the nftables table in a network namespace", () => {
    let lab: Lab;
    let box: MonitorBox;

    beforeAll(() => {
        requireTools({
            socat: "socat", ss: "iproute2", nsenter: "util-linux", nft: "nftables", ufw: "ufw",
        });
        lab = new Lab("mfmon");
        box = new MonitorBox({ CHECK_NFTABLES: "yes", CHECK_UFW: "yes", CONNECTIONS_WARN: 3 });
    });
    afterAll(() => {
        lab?.destroy();
        box?.destroy();
    });

    it(`counts connections per mail port in the mail container's netns ${dockerStandin}`, () => {
        const mail = lab.namespace("mail");
        for (const port of [25, 587]) {
            mail.start(["socat", "-u", `TCP-LISTEN:${port},fork,reuseaddr`, "STDOUT"]);
        }
        waitFor(() => mail.attempt(["ss", "-Htln", "sport = :587"]).stdout.includes("587"));
        for (const port of [25, 25, 25, 587]) {
            mail.start(["socat", "-u", `TCP:127.0.0.1:${port}`, "STDOUT"]);
        }
        waitFor(() => mail.attempt(["ss", "-Htn", "state", "established"]).stdout.trim()
            .split("\n").length >= 8);
        // The stand-in answers `docker inspect` with a process living in that namespace.
        const pid = namespacePid(mail.name);
        box.container("mailserver", `running healthy ${pid}`);

        const line = checkLine(box.status().stdout, "connections");
        expect(line).toMatchObject({
            level: "WARN", figures: { 25: "3", 465: "0", 587: "1", 993: "0" },
        });
    });

    it("fails while the inet mailfort table is missing and passes once it exists", () => {
        const host = lab.namespace("fw");
        const inside = ["ip", "netns", "exec", host.name];
        expect(checkLine(box.status(inside).stdout, "nftables"))
            .toMatchObject({ level: "FAIL", text: "table inet mailfort missing" });
        host.exec(["nft", "add", "table", "inet", "mailfort"]);
        expect(checkLine(box.status(inside).stdout, "nftables").level).toBe("OK");

        // UFW's state is the host's own (/etc/ufw); the check must agree with `ufw status`.
        const active = host.exec(["ufw", "status"]).startsWith("Status: active");
        expect(checkLine(box.status(inside).stdout, "ufw").level).toBe(active ? "OK" : "FAIL");
    });
});

function namespacePid(name: string): number {
    const pids = run("ip", ["netns", "pids", name]).split("\n").filter(Boolean);
    if (pids.length === 0) throw new Error(`no process lives in ${name}`);
    return Number(pids[0]);
}

/** Polls a condition for up to five seconds. */
function waitFor(condition: () => boolean): void {
    for (let i = 0; i < 50; i++) {
        if (condition()) return;
        run("sleep", ["0.1"]);
    }
    throw new Error("condition not met within five seconds");
}
