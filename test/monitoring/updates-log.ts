/**
 * Fixture logs of unattended-upgrades (./fixtures/unattended-upgrades*.log), in the format its
 * 2.9.1 (Debian 12) writes: Python's logging with `%(asctime)s %(levelname)s %(message)s`, host
 * local time. They were written line by line from the logging calls of /usr/bin/unattended-upgrade
 * 2.9.1+nmu3 under mailfort's settings (Mail set without a sendmail, SyslogEnable, MinimalSteps,
 * automatic reboot), not captured from a live host. The check reads the time of the last run, so
 * tests move every time stamp to just before now.
 */
import { fixture } from "./harness";

const stamp = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d),(\d{3}) /;

function localTime(match: RegExpExecArray): Date {
    const [, y, mo, d, h, mi, s, ms] = match.map(Number) as number[];
    return new Date(y!, mo! - 1, d!, h!, mi!, s!, ms!);
}

function stampOf(date: Date): string {
    const pad = (n: number, width = 2) => String(n).padStart(width, "0");
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
        `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())},` +
        `${pad(date.getMilliseconds(), 3)} `;
}

/**
 * A fixture log with every time stamp moved by one offset, so that its last run started
 * `hoursAgo` before now. unattended-upgrades writes host local time, as this does.
 */
export function updatesLog(name: string, hoursAgo: number): string {
    const lines = fixture(name).split(/(?<=\n)/);
    const starts = lines.filter((l) => l.includes(" INFO Starting unattended upgrades script"));
    const last = stamp.exec(starts[starts.length - 1] ?? "");
    if (!last) throw new Error(`${name} holds no run of unattended-upgrades`);
    const shift = Date.now() - hoursAgo * 3_600_000 - localTime(last).getTime();
    return lines.map((line) => {
        const match = stamp.exec(line);
        if (!match) return line;
        return stampOf(new Date(localTime(match).getTime() + shift)) + line.slice(match[0].length);
    }).join("");
}
