/**
 * End to end, as root in network namespaces: a real fail2ban-server with mailfort's rendered
 * jails, filters and nftables ban action, in a "server" namespace that publishes port 25 of a
 * "container" namespace the way Docker does (DNAT in prerouting). Log lines are appended to the
 * mail log as DMS 15 writes them (RFC 3339 with the container's offset), some in rsyslog's
 * traditional format (no zone), and to auth.log as sshd does (host time).
 *
 * Time zones: the host runs with TZ=JST-9 and the container with `mail.timezone` Asia/Kolkata
 * (+05:30). Fail2Ban 1.0.2 still counts a line whose time stamp it misreads ("treating such
 * entries as if they just happened"), but logs that it found a time-zone problem: the time-zone
 * tests look for that warning.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { Fail2banPaths } from "../../components/fail2ban";
import { Lab, Namespace } from "../support/netns";
import { attempt, requireTools } from "../support/system";
import { repoRoot, stack } from "./fixture";
import { prepareServer, startServer, TestServer, waitFor } from "./server";

const net = {
    attacker4: "203.0.113.2",
    attacker6: "2001:db8:f2b::2",
    /** A second attacker address, the real client of the forged lines. */
    forger4: "203.0.113.3",
    sshAttacker4: "203.0.113.4",
    /** Our own user, who mistypes a password on the submission port too often. */
    saslUser4: "203.0.113.5",
    /** Clients that only ever appear in log lines (for the time-zone tests). */
    dmsFormat4: "203.0.113.30",
    syslogFormat4: "203.0.113.31",
    serverA4: "203.0.113.1",
    serverA6: "2001:db8:f2b::1",
    client4: "198.51.100.2",
    serverC4: "198.51.100.1",
    container4: "192.0.2.2",
    container6: "2001:db8:c0::2",
    bridge4: "192.0.2.1",
    bridge6: "2001:db8:c0::1",
};

const thresholds = {
    maxretry: 3,
    findtime: "10m",
    bantime: "10m",
    recidive: { maxretry: 2, findtime: "1h", bantime: "1d" },
    // A fractional factor makes Fail2Ban hand the action a float ban time on the second ban.
    increment: { factor: 1.5 },
    sshdLog: "auth.log",
};

const hostTimezone = { TZ: "JST-9" };
/** The container's zone: a fixed +05:30 all year, so `logtimezone` can name it (UTC+0530). */
const container = { timezone: "Asia/Kolkata", offsetMinutes: 330, offset: "+05:30" };

describe("fail2ban end to end", () => {
    let lab: Lab | undefined;
    let server: TestServer | undefined;
    let scratch: string[] = [];
    let attacker: Namespace;
    let client: Namespace;
    let serverNs: Namespace;

    beforeAll(async () => {
        requireTools({
            "fail2ban-server": "fail2ban", "fail2ban-client": "fail2ban", nft: "nftables",
            iptables: "iptables", ip6tables: "iptables", socat: "socat", nc: "netcat-openbsd",
        });
        lab = new Lab("mff2b");
        try {
            ({ attacker, client, serverNs } = buildNetwork(lab));
            const config = stack({
                fail2ban: thresholds,
                trustedNetworks: ["192.0.2.0/24"],
                mail: { timezone: container.timezone },
            });
            const host = config.hosts[0];
            if (!host) throw new Error("the fixture has no host");
            const prepared = prepareServer(host, config, "mff2b-e2e");
            scratch = [prepared.dir, prepared.confDir];
            createLogs(prepared.paths);
            server = await startServer(serverNs, prepared, hostTimezone);
        } catch (error) {
            lab.destroy();
            lab = undefined;
            throw error;
        }
    });

    afterAll(() => {
        server?.stop();
        lab?.destroy();
        for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("the apply script checks the rendered config and reloads the running server", () => {
        const live = must(server);
        const script = path.join(repoRoot, "components/fail2ban/mailfort-fail2ban-apply.sh");
        const options = `F2B_CLIENT_OPTS=${live.clientOptions.join(" ")}`;
        const result = attempt("env", [options, "bash", script, live.paths.mailLog], {
            timeoutMs: 60_000,
        });
        expect(result.stderr).toContain("configuration checked");
        expect(result.stderr).toContain("fail2ban reloaded");
        expect(result.status).toBe(0);
    }, 90_000);

    it("everyone reaches the published mail port before any ban", () => {
        // The first connection over a fresh IPv6 path may wait on neighbour discovery.
        expect(reachesWithin(attacker, net.serverA4, 25, 3)).toBe(true);
        expect(reachesWithin(attacker, net.serverA6, 25, 3)).toBe(true);
        expect(reachesWithin(client, net.serverC4, 25, 3)).toBe(true);
    });

    it("forged lines naming the client in attacker text never ban the client", async () => {
        const live = must(server);
        const forged = forgedLines(net.forger4, net.client4);
        appendMail(live, forged);
        // The forger's own address gets banned: proof the lines were read, not just late.
        await waitFor("the forger's ban", 30_000, () =>
            live.banned("postfix-helo").includes(net.forger4), live);
        const jails = jailNames(live);
        for (const jail of jails) expect(live.banned(jail), jail).not.toContain(net.client4);
        expect(reaches(client, net.serverC4, 25)).toBe(true);
    });

    it("a longer repeat ban (bantime.increment) reaches the nftables set", async () => {
        const live = must(server);
        // The forger was banned by three jails; whichever banned second or third lengthened its
        // ban (10m * 2^n * 1.5, a float the action must still hand to nft as whole seconds).
        let increase: { jail: string; seconds: number } | undefined;
        await waitFor("an increased ban", 20_000, () =>
            (increase = increasedBan(live, net.forger4)) !== undefined, live);
        const { jail, seconds } = must(increase);
        const timeout = `${net.forger4} timeout ${nftDuration(seconds)}`;
        await waitFor(`${timeout} in f2b-${jail}-ip4`, 20_000, () =>
            setElements(serverNs, `f2b-${jail}-ip4`).includes(timeout), live);
    });

    it("bans the attacker after maxretry failures on the published port only", async () => {
        const live = must(server);
        const before = totalFailed(live, "postfix");
        appendMail(live, relayDenied(net.attacker4, thresholds.maxretry - 1));
        await waitFor("two failures counted", 20_000, () =>
            totalFailed(live, "postfix") === before + 2, live);
        expect(live.banned("postfix")).not.toContain(net.attacker4);

        appendMail(live, relayDenied(net.attacker4, 1));
        await waitFor("the attacker's ban", 20_000, () =>
            live.banned("postfix").includes(net.attacker4), live);
        await waitFor("net.attacker4 in f2b-postfix-ip4", 10_000, () =>
            setElements(serverNs, "f2b-postfix-ip4").includes(net.attacker4), live);
        expect(lastListing).toContain(`${net.attacker4} timeout 10m`);
        expect(reaches(attacker, net.serverA4, 25)).toBe(false);
        expect(reaches(client, net.serverC4, 25)).toBe(true);
        // A mail jail closes the mail ports, not the host's other services.
        expect(reaches(attacker, net.serverA4, 8080)).toBe(true);
    });

    it("bans IPv6 attackers through the dovecot jail", async () => {
        const live = must(server);
        appendMail(live, imapFailures(net.attacker6, thresholds.maxretry));
        await waitFor("the IPv6 ban", 20_000, () =>
            live.banned("dovecot").includes(net.attacker6), live);
        await waitFor("net.attacker6 in f2b-dovecot-ip6", 10_000, () =>
            setElements(serverNs, "f2b-dovecot-ip6").includes(net.attacker6), live);
        expect(reaches(attacker, net.serverA6, 25)).toBe(false);
    });

    it("unbanip restores access", () => {
        const live = must(server);
        live.client(["set", "postfix", "unbanip", net.attacker4]);
        expect(live.banned("postfix")).not.toContain(net.attacker4);
        expect(reaches(attacker, net.serverA4, 25)).toBe(true);
    });

    it("the guide's `set postfix unbanip` frees a user locked out by bad passwords", async () => {
        const live = must(server);
        expect(reaches(attacker, net.serverA4, 25, net.saslUser4)).toBe(true);
        appendMail(live, saslFailures(net.saslUser4, thresholds.maxretry));
        await waitFor("the SASL ban", 20_000, () =>
            live.banned("postfix").includes(net.saslUser4), live);
        await waitFor("net.saslUser4 in f2b-postfix-ip4", 10_000, () =>
            setElements(serverNs, "f2b-postfix-ip4").includes(net.saslUser4), live);
        expect(reaches(attacker, net.serverA4, 25, net.saslUser4)).toBe(false);

        live.client(["set", "postfix", "unbanip", net.saslUser4]);
        for (const jail of jailNames(live)) {
            expect(live.banned(jail), jail).not.toContain(net.saslUser4);
        }
        expect(reaches(attacker, net.serverA4, 25, net.saslUser4)).toBe(true);
    });

    it("reads DMS 15's RFC 3339 time stamps with the container's offset", async () => {
        const live = must(server);
        appendMail(live, imapFailures(net.dmsFormat4, thresholds.maxretry, dmsTime()));
        await waitFor("the ban from DMS 15 lines", 20_000, () =>
            live.banned("dovecot").includes(net.dmsFormat4), live);
        expect(timingWarnings(live, "dovecot")).toEqual([]);
    });

    it("reads traditional syslog time stamps in the container's zone (logtimezone)", async () => {
        const live = must(server);
        const time = syslogTime(container.offsetMinutes);
        appendMail(live, rateLimitHits(net.syslogFormat4, thresholds.maxretry, time));
        await waitFor("the ban from traditional lines", 20_000, () =>
            live.banned("postfix-rate-limit").includes(net.syslogFormat4), live);
        expect(timingWarnings(live, "postfix-rate-limit")).toEqual([]);
    });

    it("recidive bans a repeat offender on every port", async () => {
        const live = must(server);
        appendMail(live, relayDenied(net.attacker4, thresholds.maxretry));
        await waitFor("the second ban", 20_000, () =>
            live.banned("postfix").includes(net.attacker4), live);
        await waitFor("the recidive ban", 30_000, () =>
            live.banned("recidive").includes(net.attacker4), live);
        live.client(["set", "postfix", "unbanip", net.attacker4]);
        expect(reaches(attacker, net.serverA4, 25)).toBe(false);
        expect(reaches(attacker, net.serverA4, 8080)).toBe(false);
        expect(reaches(client, net.serverC4, 8080)).toBe(true);
    });

    it("`fail2ban-client unban` lifts an address from every jail at once", () => {
        const live = must(server);
        expect(live.banned("recidive")).toContain(net.attacker4);
        live.client(["unban", net.attacker4]);
        for (const jail of jailNames(live)) {
            expect(live.banned(jail), jail).not.toContain(net.attacker4);
        }
        expect(reaches(attacker, net.serverA4, 25)).toBe(true);
        expect(reaches(attacker, net.serverA4, 8080)).toBe(true);
    });

    it("bans sshd failures read from auth.log in host time", async () => {
        const live = must(server);
        const lines = Array.from({ length: thresholds.maxretry }, (_, i) =>
            `${syslogTime(9 * 60)} mail sshd[${4000 + i}]: Failed password for invalid user ` +
            `admin from ${net.sshAttacker4} port ${50000 + i} ssh2`);
        fs.appendFileSync(live.paths.authLog, `${lines.join("\n")}\n`);
        await waitFor("the sshd ban", 20_000, () =>
            live.banned("sshd").includes(net.sshAttacker4), live);
        await waitFor("net.sshAttacker4 in f2b-sshd-ip4", 10_000, () =>
            setElements(serverNs, "f2b-sshd-ip4").includes(net.sshAttacker4), live);
    });

    it("ran every ban and unban action without an error", () => {
        const log = fs.readFileSync(must(server).paths.fail2banLog, "utf8");
        const errors = log.split("\n").filter((line) => / ERROR /.test(line));
        expect(errors).toEqual([]);
    });

    it("read every time stamp of every log in its right zone", () => {
        expect(timingWarnings(must(server))).toEqual([]);
    });
});

function must<T>(value: T | undefined): T {
    if (value === undefined) throw new Error("setup failed; see the first error");
    return value;
}

/**
 * attacker -- server -- client, and server -- container: the server forwards, and publishes
 * the container's port 25 with DNAT in prerouting like Docker; port 8080 is a host service.
 */
function buildNetwork(lab: Lab) {
    const serverNs = lab.namespace("server");
    const attacker = lab.namespace("attacker");
    const client = lab.namespace("client");
    const container = lab.namespace("ctr");
    lab.link(attacker, [`${net.attacker4}/24`, `${net.forger4}/24`, `${net.sshAttacker4}/24`,
        `${net.saslUser4}/24`, `${net.attacker6}/64`], serverNs,
        [`${net.serverA4}/24`, `${net.serverA6}/64`]);
    lab.link(client, [`${net.client4}/24`], serverNs, [`${net.serverC4}/24`]);
    lab.link(container, [`${net.container4}/24`, `${net.container6}/64`], serverNs,
        [`${net.bridge4}/24`, `${net.bridge6}/64`]);
    attacker.exec(["ip", "route", "add", "default", "via", net.serverA4]);
    attacker.exec(["ip", "-6", "route", "add", "default", "via", net.serverA6]);
    client.exec(["ip", "route", "add", "default", "via", net.serverC4]);
    container.exec(["ip", "route", "add", "default", "via", net.bridge4]);
    container.exec(["ip", "-6", "route", "add", "default", "via", net.bridge6]);
    serverNs.exec(["sysctl", "-qw", "net.ipv4.ip_forward=1"]);
    serverNs.exec(["sysctl", "-qw", "net.ipv6.conf.all.forwarding=1"]);
    serverNs.exec(["iptables", "-t", "nat", "-A", "PREROUTING", "-p", "tcp", "--dport", "25",
        "-j", "DNAT", "--to-destination", `${net.container4}:25`]);
    serverNs.exec(["ip6tables", "-t", "nat", "-A", "PREROUTING", "-p", "tcp", "--dport", "25",
        "-j", "DNAT", "--to-destination", `[${net.container6}]:25`]);
    container.start(["socat", "TCP6-LISTEN:25,ipv6only=0,fork,reuseaddr", "SYSTEM:echo 220"]);
    serverNs.start(["socat", "TCP-LISTEN:8080,fork,reuseaddr", "SYSTEM:echo ok"]);
    waitForListeners(container, serverNs);
    return { serverNs, attacker, client };
}

function waitForListeners(container: Namespace, serverNs: Namespace): void {
    const deadline = Date.now() + 10_000;
    const listening = (ns: Namespace, port: number) =>
        ns.attempt(["ss", "-ltn", `sport = :${port}`]).stdout.includes(`:${port}`);
    while (Date.now() < deadline) {
        if (listening(container, 25) && listening(serverNs, 8080)) return;
        attempt("sleep", ["0.1"]);
    }
    throw new Error("the test listeners did not start");
}

/** Whether a TCP connection from `ns` (from `source`, if given) to address:port succeeds in 2 s. */
function reaches(ns: Namespace, address: string, port: number, source?: string): boolean {
    const from = source ? ["-s", source] : [];
    return ns.attempt(["nc", "-z", "-w", "2", ...from, address, String(port)], {
        timeoutMs: 10_000,
    }).status === 0;
}

/** Whether any of `tries` connection attempts succeeds (for paths that may still be warming). */
function reachesWithin(ns: Namespace, address: string, port: number, tries: number): boolean {
    for (let i = 0; i < tries; i++) {
        if (reaches(ns, address, port)) return true;
    }
    return false;
}

function setElements(ns: Namespace, set: string): string {
    // The set appears with the jail's first ban of that family (actionstart runs on demand).
    const listing = ns.attempt(["nft", "list", "set", "inet", "mailfort-f2b", set]).stdout ?? "";
    lastListing = listing;
    return listing;
}

/** The last set listing, shown by the first ban test: elements carry the ban's timeout. */
let lastListing = "";

/** The jail and new length of the first `Increase Ban` Fail2Ban logged for `address`. */
function increasedBan(server: TestServer, address: string) {
    const log = fs.readFileSync(server.paths.fail2banLog, "utf8");
    const line = log.split("\n").find((l) => l.includes(`Increase Ban ${address} (`));
    // e.g. "[postfix] Increase Ban 203.0.113.3 (2 # 30.0m -> 2026-12-04 04:18:28)"
    const match = /\[([\w-]+)\] Increase Ban \S+ \(\d+ # ([\d.]+)([smhd])/.exec(line ?? "");
    if (!match) return undefined;
    const unit = { s: 1, m: 60, h: 3600, d: 86400 }[match[3] as "s" | "m" | "h" | "d"];
    return { jail: match[1] ?? "", seconds: Math.trunc(Number(match[2]) * unit) };
}

/** A duration the way `nft list set` prints it: 1h30m, 30m, 2d. */
function nftDuration(seconds: number): string {
    const parts: [number, string][] = [[86400, "d"], [3600, "h"], [60, "m"], [1, "s"]];
    let rest = seconds;
    return parts.map(([size, unit]) => {
        const count = Math.floor(rest / size);
        rest -= count * size;
        return count > 0 ? `${count}${unit}` : "";
    }).join("");
}

function totalFailed(server: TestServer, jail: string): number {
    const status = server.client(["status", jail]);
    return Number(/Total failed:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
}

function jailNames(server: TestServer): string[] {
    const status = server.client(["status"]);
    const line = status.split("\n").find((l) => l.includes("Jail list:")) ?? "";
    return (line.split("Jail list:")[1] ?? "").split(",").map((j) => j.trim()).filter(Boolean);
}

function createLogs(paths: Fail2banPaths): void {
    for (const file of Object.values(paths) as string[]) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, "");
    }
}

/**
 * Fail2Ban's warnings about a line whose time stamp is far from the clock (a misread zone), for
 * one jail or all. It warns once a day per jail, with the line.
 */
function timingWarnings(server: TestServer, jail?: string): string[] {
    const log = fs.readFileSync(server.paths.fail2banLog, "utf8");
    const tag = jail ? `[${jail}] ` : "";
    return log.split("\n").filter((line) =>
        line.includes(" WARNING ") && line.includes(tag) &&
        /looks like a \w+ problem|Line with odd timestamp/.test(line));
}

/** Now in the container zone, as DMS 15 rsyslog writes it: `2026-12-03T23:30:00.123456+05:30`. */
function dmsTime(): string {
    const local = new Date(Date.now() + container.offsetMinutes * 60_000);
    return `${local.toISOString().slice(0, 23)}456${container.offset}`;
}

/** `Dec  3 18:00:00` at UTC plus `offsetMinutes`, as rsyslog's traditional format writes it. */
function syslogTime(offsetMinutes = 0): string {
    const date = new Date(Date.now() + offsetMinutes * 60_000);
    const month = date.toLocaleString("en-US", { month: "short", timeZone: "UTC" });
    const day = String(date.getUTCDate()).padStart(2, " ");
    const time = date.toISOString().slice(11, 19);
    return `${month} ${day} ${time}`;
}

function appendMail(server: TestServer, lines: string[]): void {
    fs.appendFileSync(server.paths.mailLog, `${lines.join("\n")}\n`);
}

function relayDenied(address: string, count: number, time = dmsTime()): string[] {
    return Array.from({ length: count }, (_, i) =>
        `${time} mail postfix/smtpd[${2000 + i}]: NOQUEUE: reject: RCPT from ` +
        `unknown[${address}]: 554 5.7.1 <victim${i}@example.org>: Relay access denied; ` +
        `from=<spam@example.net> to=<victim${i}@example.org> proto=ESMTP helo=<x.example.net>`);
}

function imapFailures(address: string, count: number, time = dmsTime()): string[] {
    return Array.from({ length: count }, (_, i) =>
        `${time} mail dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 ` +
        `secs): user=<alice@example.com>, method=PLAIN, rip=${address}, lip=192.0.2.2, TLS, ` +
        `session=<Sess${i}>`);
}

function saslFailures(address: string, count: number, time = dmsTime()): string[] {
    return Array.from({ length: count }, (_, i) =>
        `${time} mail postfix/submission/smtpd[${5000 + i}]: warning: unknown[${address}]: ` +
        "SASL PLAIN authentication failed: UGFzc3dvcmQ6");
}

function rateLimitHits(address: string, count: number, time = dmsTime()): string[] {
    return Array.from({ length: count }, (_, i) =>
        `${time} mail postfix/smtpd[${6000 + i}]: warning: Connection rate limit exceeded: ` +
        `${61 + i} from unknown[${address}] for service smtp`);
}

/** Lines from `forger` whose attacker-controlled fields name `victim`. */
function forgedLines(forger: string, victim: string): string[] {
    const t = dmsTime();
    const helo = `unknown[${victim}]`;
    const repeat = (line: string) => Array.from({ length: thresholds.maxretry }, () => line);
    return [
        ...repeat(`${t} mail postfix/smtpd[3001]: NOQUEUE: reject: RCPT from ` +
            `unknown[${forger}]: 504 5.5.2 <${helo}>: Helo command rejected: need ` +
            `fully-qualified hostname; from=<a@example.org> to=<b@example.com> proto=ESMTP ` +
            `helo=<${helo}>`),
        ...repeat(`${t} mail postfix/smtpd[3002]: warning: non-SMTP command from ` +
            `unknown[${forger}]: GET / from unknown[${victim}]`),
        ...repeat(`${t} mail dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 ` +
            `secs): user=<x>, method=PLAIN, rip=${victim}>, method=PLAIN, rip=${forger}, ` +
            "lip=192.0.2.2, TLS"),
        // auth_verbose_passwords = plain: the password follows the reason.
        ...repeat(`${t} mail dovecot: auth: passwd-file(x,${forger},<s>): Password mismatch ` +
            `(given password: a) (b,${victim}): Password mismatch (c)`),
        ...repeat(`${t} mail postfix/submission/smtpd[3003]: 4Rk2Xr0Bz1z9e: ` +
            `client=unknown[${forger}], sasl_method=PLAIN, ` +
            `sasl_username=client=unknown[${victim}]`),
        ...repeat(`${t} mail postfix/smtpd[3004]: NOQUEUE: reject: RCPT from ` +
            `unknown[${forger}]: 550 5.1.1 <x@example.com>: Recipient address rejected: ` +
            `User unknown; from=<lost connection after CONNECT from unknown[${victim}]> ` +
            "proto=ESMTP"),
    ];
}
