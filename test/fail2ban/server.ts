/**
 * A real fail2ban-server running mailfort's rendered configuration inside a test namespace: its
 * own config folder, socket, pid file, database and log under a temporary folder, so the host's
 * /etc/fail2ban and running Fail2Ban are never touched.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { fail2banEtc } from "../../components/fail2ban/render";
import { fail2banFiles } from "../../components/fail2ban";
import type { Fail2banPaths } from "../../components/fail2ban";
import type { HostConfig, StackConfig } from "../../config";
import type { Namespace } from "../support/netns";
import { attempt } from "../support/system";
import { pointBanActionAt, stageConfDir } from "./harness";

export interface TestServer {
    dir: string;
    confDir: string;
    paths: Fail2banPaths;
    /** fail2ban-client options that reach this server. */
    clientOptions: string[];
    /** Runs fail2ban-client against this server; throws on failure. */
    client(args: string[]): string;
    /** Addresses the jail currently bans, from `fail2ban-client status <jail>`. */
    banned(jail: string): string[];
    /** Stops the server; safe to call twice. */
    stop(): void;
    /** What the server logged, for failure messages. */
    log(): string;
}

/** Renders the host's files with temporary log paths and writes them into a config folder. */
export function prepareServer(host: HostConfig, config: StackConfig, prefix: string) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    const confDir = stageConfDir(`${prefix}-conf`);
    const paths: Fail2banPaths = {
        mailLog: path.join(dir, "mail.log"),
        nginxErrorLog: path.join(dir, "nginx", "error.log"),
        nginxAccessLog: path.join(dir, "nginx", "access.log"),
        authLog: path.join(dir, "auth.log"),
        fail2banLog: path.join(dir, "fail2ban.log"),
    };
    for (const file of fail2banFiles(host, config, paths)) {
        if (!file.path.startsWith(`${fail2banEtc}/`)) continue;
        const target = path.join(confDir, file.path.slice(fail2banEtc.length + 1));
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, String(file.content));
    }
    // Test-only server settings: everything the stock fail2ban.conf points into /var or /run.
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
    return { dir, confDir, paths };
}

/** Starts fail2ban-server in the foreground inside `ns` and waits until it answers. */
export async function startServer(
    ns: Namespace,
    prepared: ReturnType<typeof prepareServer>,
    env: Record<string, string>,
): Promise<TestServer> {
    const { dir, confDir, paths } = prepared;
    const socket = path.join(dir, "fail2ban.sock");
    const clientOptions = ["-c", confDir, "-s", socket];
    const envArgs = Object.entries(env).map(([key, value]) => `${key}=${value}`);
    const child = ns.start(["env", ...envArgs, "fail2ban-server", "-f", "-x", ...clientOptions,
        "-p", path.join(dir, "fail2ban.pid")]);
    let output = "";
    child.stdout?.on("data", (chunk) => (output += String(chunk)));
    child.stderr?.on("data", (chunk) => (output += String(chunk)));

    const client = (args: string[]): string => {
        const result = attempt("fail2ban-client", [...clientOptions, ...args], {
            timeoutMs: 20_000,
        });
        if (result.status !== 0) {
            throw new Error(`fail2ban-client ${args.join(" ")}: ${result.stdout}${result.stderr}`);
        }
        return result.stdout;
    };
    const log = () => `${output}\n${readIfExists(paths.fail2banLog).slice(-4000)}`;
    await waitFor("fail2ban-server to answer", 30_000, () => {
        if (child.exitCode !== null) throw new Error(`fail2ban-server exited: ${log()}`);
        return attempt("fail2ban-client", [...clientOptions, "ping"]).status === 0;
    });
    return {
        dir,
        confDir,
        paths,
        clientOptions,
        client,
        banned: (jail) => bannedList(client(["status", jail])),
        stop: () => {
            if (child.exitCode === null) attempt("fail2ban-client", [...clientOptions, "stop"]);
        },
        log,
    };
}

function bannedList(status: string): string[] {
    const line = status.split("\n").find((l) => l.includes("Banned IP list:")) ?? "";
    return line.split("Banned IP list:")[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
}

function readIfExists(file: string): string {
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
}

/**
 * Polls `check` every 200 ms until it holds or the deadline passes; the error carries what the
 * server logged, since a missing ban is otherwise hard to explain.
 */
export async function waitFor(
    what: string,
    timeoutMs: number,
    check: () => boolean,
    server?: TestServer,
) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (check()) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const log = server ? `\nserver log:\n${server.log()}` : "";
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${log}`);
}
