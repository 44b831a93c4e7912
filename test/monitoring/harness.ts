/**
 * A temporary root for the monitoring scripts: the rendered monitoring.conf with every path moved
 * into a temp folder, fixture logs, and helpers to run `mailfort-monitor` and read what it wrote.
 * The Docker CLI is replaced by the stand-in in ./docker-standin (no Docker engine here).
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync } from "node:fs";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { renderMonitoringConf, shellQuote } from "../../components/monitoring";
import { exampleConfig, repoRoot } from "../support/stack";

export const scriptDir = join(repoRoot, "components", "monitoring");
export const standinDir = join(__dirname, "docker-standin");
export const fixtureDir = join(__dirname, "fixtures");

/** What the name of every test that relies on the Docker stand-in says. */
export const dockerStandin = "(Docker CLI: the test stand-in)";

export type Settings = Record<string, string | number>;

export interface Outcome {
    status: number | null;
    stdout: string;
    stderr: string;
}

export class MonitorBox {
    readonly root = mkdtempSync(join(tmpdir(), "mfmon-"));
    readonly conf = join(this.root, "monitoring.conf");
    readonly mailLog = join(this.root, "log", "mail.log");
    readonly authLog = join(this.root, "log", "auth.log");
    readonly securityLog = join(this.root, "security.log");
    readonly docker = join(this.root, "docker");
    /** Where mailfort-backup and mailfort-backup-check write backup.state and check.state. */
    readonly backupState = join(this.root, "backup-state");
    readonly updatesLog = join(this.root, "log", "unattended-upgrades",
        "unattended-upgrades.log");
    readonly rebootRequired = join(this.root, "run", "reboot-required");
    /** Absent unless a test creates it: the security-updates check asks only whether it is. */
    readonly updatesProgram = join(this.root, "unattended-upgrade");
    /** Extra environment for every run, e.g. CURL_CA_BUNDLE. */
    env: Record<string, string> = {};

    /**
     * @param settings Values appended after the rendered ones (the file is sourced, last wins).
     * @param configChanges Stack config changes applied before rendering.
     */
    constructor(settings: Settings = {}, configChanges: Record<string, unknown> = {}) {
        mkdirSync(join(this.root, "log", "unattended-upgrades"), { recursive: true });
        mkdirSync(join(this.root, "run"));
        mkdirSync(this.docker);
        writeFileSync(this.mailLog, "");
        writeFileSync(this.authLog, "");
        const config = exampleConfig(configChanges);
        const host = config.hosts[0];
        if (!host) throw new Error("the example stack has no host");
        writeFileSync(this.conf, renderMonitoringConf(host, config));
        this.set({
            STATE_DIR: join(this.root, "state"),
            SECURITY_LOG: this.securityLog,
            MAIL_LOG: this.mailLog,
            AUTH_LOG: this.authLog,
            CERT_FILE: join(this.root, "cert.pem"),
            DISK_PATHS: `root=${this.root}`,
            FAIL2BAN_SOCKET: join(this.root, "fail2ban.sock"),
            CHECK_UFW: "no",
            CHECK_NFTABLES: "no",
            RELAY_NETRC: join(this.root, "relay.netrc"),
            // Off like the firewall checks, so a box is calm; the backup tests turn it on.
            CHECK_BACKUP: "no",
            BACKUP_STATE_DIR: this.backupState,
            UPDATES_PROGRAM: this.updatesProgram,
            UPDATES_LOG: this.updatesLog,
            REBOOT_REQUIRED_FILE: this.rebootRequired,
            ...settings,
        });
    }

    /** Appends settings to monitoring.conf; later lines override earlier ones. */
    set(settings: Settings): void {
        const lines = Object.entries(settings).map(([k, v]) => `${k}=${shellQuote(v)}\n`);
        appendFileSync(this.conf, lines.join(""));
    }

    /** Runs `mailfort-monitor <mode>` (or `mailfort-status`) with the stand-in Docker on PATH. */
    run(mode: "run" | "status" | "report", prefix: string[] = []): Outcome {
        return this.exec([...prefix, "bash", join(scriptDir, "mailfort-monitor"), mode]);
    }

    status(prefix: string[] = []): Outcome {
        return this.exec([...prefix, join(scriptDir, "mailfort-status")]);
    }

    private exec(argv: string[]): Outcome {
        const [file, ...args] = argv as [string, ...string[]];
        const result = spawnSync(file, args, {
            encoding: "utf8",
            timeout: 60_000,
            env: {
                ...process.env,
                PATH: `${standinDir}:${process.env.PATH}`,
                MAILFORT_MONITORING_CONF: this.conf,
                DOCKER_STANDIN_DIR: this.docker,
                ...this.env,
            },
        });
        return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    }

    /** Sets a stand-in container's `docker inspect` answer, e.g. "running healthy 1234". */
    container(name: string, state: string | undefined): void {
        const file = join(this.docker, `${name}.state`);
        if (state === undefined) rmSync(file, { force: true });
        else writeFileSync(file, `${state}\n`);
    }

    /** Messages the stand-in's `docker exec -i mailserver sendmail` received. */
    containerMail(name = "mailserver"): string[] {
        return readdirSync(this.docker)
            .filter((f) => f.startsWith(`${name}.sendmail.`))
            .sort()
            .map((f) => readFileSync(join(this.docker, f), "utf8"));
    }

    security(): string {
        return existsSync(this.securityLog) ? readFileSync(this.securityLog, "utf8") : "";
    }

    destroy(): void {
        rmSync(this.root, { recursive: true, force: true });
    }
}

export function fixture(name: string): string {
    return readFileSync(join(fixtureDir, name), "utf8");
}

/** The figures of one check in `mailfort-status` output, e.g. { level: "OK", figures: {...} }. */
export function checkLine(output: string, check: string) {
    const line = output.split("\n").find((l) => l.split(/\s+/)[1] === check);
    if (!line) throw new Error(`no line for ${check} in:\n${output}`);
    const [level, , ...rest] = line.trim().split(/\s+/);
    const figures: Record<string, string> = {};
    for (const word of rest) {
        const split = word.indexOf("=");
        if (split > 0) figures[word.slice(0, split)] = word.slice(split + 1);
    }
    return { level: level ?? "", text: rest.join(" "), figures };
}

/** The last security-log line of a check, as its figures. */
export function lastLogged(log: string, check: string) {
    const lines = log.split("\n").filter((l) => l.split(" ")[2] === check);
    const last = lines[lines.length - 1];
    if (!last) throw new Error(`no security log line for ${check} in:\n${log}`);
    const [, level, name, ...rest] = last.split(" ");
    return checkLine(`${level} ${name} ${rest.join(" ")}`, check);
}
