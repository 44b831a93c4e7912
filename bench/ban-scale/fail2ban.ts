/**
 * A real fail2ban-server for the benchmark, in the server namespace: two copies of mailfort's
 * postfix jail rendered by mailfort's own `renderJailLocal`, one with mailfort's ban action and
 * one with the stock `iptables-multiport` put in DOCKER-USER. Its files live in a temp folder;
 * the host's /etc/fail2ban is only read.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { renderJailLocal } from "../../components/fail2ban";
import { Fail2banPaths, Jail, jailsFor, mailPorts } from "../../components/fail2ban/jails";
import { pointBanActionAt, stageConfDir } from "../../test/fail2ban/harness";
import { startServer, TestServer } from "../../test/fail2ban/server";
import type { Namespace } from "../../test/support/netns";
import { exampleConfig } from "../../test/support/stack";
import { banSeconds } from "./actions";

export const jails = { mailfort: "mailfort", stock: "stock" };

/**
 * Renders the two jails into a fresh config folder and starts the server, with its socket,
 * logs and database under `dir`. The config folder is returned for the caller to remove.
 */
export async function startFail2ban(ns: Namespace, dir: string): Promise<{
    server: TestServer;
    confDir: string;
}> {
    const paths = logPaths(dir);
    for (const file of Object.values(paths)) fs.writeFileSync(file, "");
    const confDir = stageConfDir("mfbban-conf");
    try {
        writeConf(confDir, paths, dir);
        return { server: await startServer(ns, { dir, confDir, paths }, {}), confDir };
    } catch (error) {
        fs.rmSync(confDir, { recursive: true, force: true });
        throw error;
    }
}

function writeConf(confDir: string, paths: Fail2banPaths, dir: string): void {
    const config = exampleConfig();
    const postfix = jailsFor(config, 22, paths).find((jail) => jail.name === "postfix");
    if (!postfix) throw new Error("mailfort renders no postfix jail to copy");
    const benchJails: Jail[] = [
        { ...postfix, name: jails.mailfort, bantime: `${banSeconds}s` },
        {
            ...postfix,
            name: jails.stock,
            bantime: `${banSeconds}s`,
            extra: {
                ...postfix.extra,
                // The stock action in the chain Docker leaves to the operator, on the same ports.
                action: `iptables-multiport[port="${mailPorts.join(",")}", protocol="tcp", ` +
                    'chain="DOCKER-USER"]',
            },
        },
    ];
    fs.writeFileSync(path.join(confDir, "jail.local"), renderJailLocal(config, benchJails));
    const dbfile = path.join(dir, "fail2ban.sqlite3");
    pointBanActionAt(confDir, dbfile);
    fs.writeFileSync(path.join(confDir, "fail2ban.local"), [
        "[Definition]",
        `logtarget = ${paths.fail2banLog}`,
        `socket = ${path.join(dir, "fail2ban.sock")}`,
        `pidfile = ${path.join(dir, "fail2ban.pid")}`,
        `dbfile = ${dbfile}`,
        "",
    ].join("\n"));
}

export function logPaths(dir: string): Fail2banPaths {
    return {
        mailLog: path.join(dir, "mail.log"),
        nginxErrorLog: path.join(dir, "nginx-error.log"),
        nginxAccessLog: path.join(dir, "nginx-access.log"),
        authLog: path.join(dir, "auth.log"),
        fail2banLog: path.join(dir, "fail2ban.log"),
    };
}

/** Bans `addresses` through `fail2ban-client set <jail> banip`; returns the seconds it took. */
export function banThroughFail2ban(server: TestServer, jail: string, addresses: string[]): number {
    const started = process.hrtime.bigint();
    // Fail2Ban runs the action for each address before the command returns.
    server.client(["set", jail, "banip", ...addresses]);
    return Number(process.hrtime.bigint() - started) / 1e9;
}

/** Error lines in the server's log: a failing action must not pass for a fast one. */
export function actionErrors(server: TestServer): string[] {
    const log = fs.existsSync(server.paths.fail2banLog)
        ? fs.readFileSync(server.paths.fail2banLog, "utf8")
        : "";
    return log.split("\n").filter((line) => / ERROR /.test(line));
}
