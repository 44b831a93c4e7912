/**
 * Bans after a Fail2Ban restart. Fail2Ban's database is filled the way `count` bans of the
 * mailfort jail leave it (rows in `bips`, as `fail2ban-client banip` writes them, inserted
 * directly: banning them one by one first would take as long as the restore being measured),
 * then the server restarts on it. Two figures, from the same restart: how long until mailfort's
 * set holds every ban again (the action's load at actionstart), and the rate of Fail2Ban's own
 * one-by-one restore (its `Restore Ban` log lines over a window), which gives the time it needs
 * for all of them. The server is killed after the window: its restore would go on for minutes.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { startServer, TestServer } from "../../test/fail2ban/server";
import type { Namespace } from "../../test/support/netns";
import { run as runTool } from "../../test/support/system";
import { banSeconds, BanAction } from "./actions";
import { logPaths } from "./fail2ban";

export interface RestartFigures {
    bans: number;
    /** From starting the server to the set holding every ban. */
    loadSeconds: number;
    /** Fail2Ban's one-by-one restore, bans per second over the window. */
    restorePerSecond: number;
}

const windowSeconds = 5;

/** Stops `server`, fills its database with `addresses`, restarts it and times the restore. */
export async function measureRestart(
    ns: Namespace,
    server: TestServer,
    action: BanAction,
    addresses: string[],
): Promise<{ figures: RestartFigures; server: TestServer }> {
    const { dir, confDir } = server;
    server.stop();
    const pidfile = path.join(dir, "fail2ban.pid");
    await until("fail2ban-server to exit", 30, () => !fs.existsSync(pidfile));
    fillDatabase(path.join(dir, "fail2ban.sqlite3"), action.jail, addresses);

    const started = process.hrtime.bigint();
    const restarted = await startServer(ns, { dir, confDir, paths: logPaths(dir) }, {});
    try {
        // The set appears with actionstart; until then there is nothing to count.
        const full = () => attemptCount(action) === addresses.length;
        await until("the set to hold every ban", 300, full);
        const loadSeconds = Number(process.hrtime.bigint() - started) / 1e9;
        const before = restoredSoFar(restarted);
        const windowStart = process.hrtime.bigint();
        await sleep(windowSeconds * 1000);
        const restored = restoredSoFar(restarted) - before;
        const seconds = Number(process.hrtime.bigint() - windowStart) / 1e9;
        return {
            figures: { bans: addresses.length, loadSeconds, restorePerSecond: restored / seconds },
            server: restarted,
        };
    } finally {
        kill(pidfile);
    }
}

function fillDatabase(dbfile: string, jail: string, addresses: string[]): void {
    const rows = path.join(path.dirname(dbfile), "restart-bans.txt");
    fs.writeFileSync(rows, `${addresses.join("\n")}\n`);
    const script = [
        "import sqlite3, sys, time",
        "db = sqlite3.connect(sys.argv[1])",
        "now = int(time.time())",
        // The sweep's own bans through fail2ban-client are still current: only these count.
        "db.execute('DELETE FROM bips')",
        "ips = open(sys.argv[2]).read().split()",
        "db.executemany('INSERT OR REPLACE INTO bips'",
        "    '(ip, jail, timeofban, bantime, bancount, data) VALUES (?, ?, ?, ?, 1, ?)',",
        "    [(ip, sys.argv[3], now, int(sys.argv[4]), '{}') for ip in ips])",
        "db.commit()",
    ].join("\n");
    runTool("python3", ["-c", script, dbfile, rows, jail, String(banSeconds)]);
}

function attemptCount(action: BanAction): number {
    try {
        return action.count();
    } catch {
        return -1;
    }
}

function restoredSoFar(server: TestServer): number {
    const log = fs.readFileSync(server.paths.fail2banLog, "utf8");
    return log.split("\n").filter((line) => line.includes("] Restore Ban ")).length;
}

/** The restore would run for minutes, and `fail2ban-client stop` waits for it: kill instead. */
function kill(pidfile: string): void {
    const pid = fs.existsSync(pidfile) ? Number(fs.readFileSync(pidfile, "utf8").trim()) : NaN;
    if (Number.isInteger(pid) && pid > 1) {
        try {
            process.kill(pid, "SIGKILL");
        } catch {
            // Already gone.
        }
    }
}

async function until(what: string, seconds: number, check: () => boolean): Promise<void> {
    const deadline = Date.now() + seconds * 1000;
    while (Date.now() < deadline) {
        if (check()) return;
        await sleep(100);
    }
    throw new Error(`restart: timed out after ${seconds} s waiting for ${what}`);
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
