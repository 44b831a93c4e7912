/**
 * The two sides of the monitoring-cost benchmark, each timed and checked against what the
 * generator wrote: `mailfort-monitor run` in a harness box, and the naive whole-file scans a
 * non-incremental cron script would make.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

import { lastLogged, MonitorBox, scriptDir } from "../../test/monitoring/harness";
import { Counts } from "./maillog";

export interface Measured {
    wallMs: number;
    /** CPU time of the run's processes (user + system of bash and all it started). */
    cpuMs: number;
    output: string;
}

/** The harness's box, with every container "running" so alerts reach the stand-in's sendmail. */
export function openBox(): MonitorBox {
    // FALLBACK=none: the example's relay is a real host name; a benchmark sends nothing off-box.
    const box = new MonitorBox({ PRIMARY_TRANSPORT: "container", FALLBACK: "none" });
    // PID 0: no container namespace to enter, so the connections check reads this host's sockets.
    box.container("mailserver", "running healthy 0");
    box.container("certbot-mailserver", "running healthy 0");
    return box;
}

// bash's `times` after the command: its second line is the CPU time of every child process.
const withTimes = ["bash", "-c", '"$@"; rc=$?; times >&2; exit $rc', "timed"];

export function monitorRun(box: MonitorBox): Measured {
    const start = process.hrtime.bigint();
    const outcome = box.run("run", withTimes);
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    if (outcome.status !== 0) {
        throw new Error(`mailfort-monitor run exited ${outcome.status}:\n${outcome.stderr}`);
    }
    return { wallMs, cpuMs: childCpuMs(outcome.stderr), output: outcome.stdout };
}

function childCpuMs(stderr: string): number {
    const last = stderr.trimEnd().split("\n").pop() ?? "";
    const times = [...last.matchAll(/(\d+)m([\d.]+)s/g)];
    if (times.length !== 2) throw new Error(`no \`times\` line at the end of:\n${stderr}`);
    return times.reduce((sum, [, min, sec]) => sum + (Number(min) * 60 + Number(sec)) * 1000, 0);
}

/** The warm-up run must have left the offset at the end of the history, or the bench is void. */
export function expectOffset(box: MonitorBox, bytes: number): void {
    const dir = join(box.root, "state", "offsets");
    const file = readdirSync(dir).find((name) => name.endsWith("mail.log"));
    // "<inode> <offset> <checksum>": the checksum only tells rotations apart, so it is not compared.
    const line = file ? readFileSync(join(dir, file), "utf8").trim() : "";
    const saved = line.split(" ").slice(0, 2).join(" ");
    const wanted = `${statSync(box.mailLog).ino} ${bytes}`;
    if (saved !== wanted) throw new Error(`offset after warm-up is "${saved}", not "${wanted}"`);
}

/** The measured run must have counted exactly the appended lines, none of the history. */
export function expectCounted(box: MonitorBox, want: Counts): void {
    const log = box.security();
    const logins = lastLogged(log, "failed-logins").figures;
    const volume = lastLogged(log, "mail-volume").figures;
    const detections = lastLogged(log, "spam-virus").figures;
    const got = [
        logins.smtp,
        logins.imap,
        volume.in,
        volume.out,
        detections.spam,
        detections.virus,
    ];
    const expected = [
        want.smtpAuth,
        want.imapAuth,
        want.mailIn,
        want.mailOut,
        want.spam,
        want.virus,
    ];
    if (got.join() !== expected.join()) {
        throw new Error(
            `the run counted smtp,imap,in,out,spam,virus = ${got.join()}; ` +
                `the appended lines hold ${expected.join()}`,
        );
    }
}

/**
 * The naive scan a non-incremental cron script makes: mailfort-monitor's own parse_logs awk
 * program (cut out of the script, so it is the very same counting) over the whole file.
 */
export function naiveAwk(file: string, want: Counts): Measured {
    const script = readFileSync(join(scriptDir, "mailfort-monitor"), "utf8");
    const parse = /^parse_logs\(\) \{\n[\s\S]*?\n\}\n/m.exec(script)?.[0];
    if (!parse) throw new Error("parse_logs() not found in mailfort-monitor");
    const result = timedSpawn([
        ...withTimes,
        "bash",
        "-c",
        `${parse}\nparse_logs < "$1"`,
        "naive",
        file,
    ]);
    const count = (key: string) =>
        Number(new RegExp(`^count ${key} (\\d+)$`, "m").exec(result.output)?.[1]);
    const got = ["smtp_auth", "imap_auth", "mail_in", "mail_out", "spam", "virus"].map(count);
    const expected = [
        want.smtpAuth,
        want.imapAuth,
        want.mailIn,
        want.mailOut,
        want.spam,
        want.virus,
    ];
    if (got.join() !== expected.join()) {
        throw new Error(
            `the naive awk scan counted ${got.join()}; the log holds ${expected.join()}`,
        );
    }
    return result;
}

/** The cheapest whole-file scan there is: one fixed string, one count (SASL failures). */
export function naiveGrep(file: string, want: Counts): Measured {
    const result = timedSpawn([
        ...withTimes,
        "grep",
        "-c",
        "-F",
        "SASL LOGIN authentication failed",
        file,
    ]);
    if (Number(result.output.trim()) !== want.smtpAuth) {
        throw new Error(`grep -c counted ${result.output.trim()}; the log holds ${want.smtpAuth}`);
    }
    return result;
}

function timedSpawn(argv: string[]): Measured {
    const [file, ...args] = argv as [string, ...string[]];
    const start = process.hrtime.bigint();
    const result = spawnSync(file, args, {
        encoding: "utf8",
        timeout: 300_000,
        env: { ...process.env, LC_ALL: "C" },
    });
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) {
        throw new Error(`${argv.slice(4).join(" ")} exited ${result.status}: ${result.stderr}`);
    }
    return { wallMs, cpuMs: childCpuMs(result.stderr), output: result.stdout };
}
