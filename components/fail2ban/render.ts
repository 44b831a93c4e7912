/**
 * Pure renderers: stack config -> every Fail2Ban file of one host. Filters and the ban action are
 * real files beside this module, shipped as they are; only jail.local, fail2ban's own settings
 * and the systemd drop-in are rendered from config.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import type { HostConfig, StackConfig } from "../../config";
import { durationSeconds, isCidr } from "../../config/sections/primitives";
import type { HostFile } from "../host/files";
import { hostPaths } from "../host/paths";
import { defaultPaths, Fail2banPaths, Jail, jailsFor } from "./jails";

export const fail2banEtc = "/etc/fail2ban";
export const applyScriptPath = `${hostPaths.bin}/mailfort-fail2ban-apply`;
/** Loads a jail's current bans in one go when its ban action starts (the action's restore). */
export const restoreProgramPath = `${hostPaths.bin}/mailfort-fail2ban-restore`;
export const dropInPath = "/etc/systemd/system/fail2ban.service.d/mailfort.conf";

/** Filter and action files in the repo, by their path relative to /etc/fail2ban. */
export function staticFiles(): { relative: string; content: string }[] {
    return ["filter.d", "action.d"].flatMap((folder) =>
        fs.readdirSync(path.join(__dirname, folder))
            .filter((file) => file.endsWith(".conf"))
            .sort()
            .map((file) => ({
                relative: `${folder}/${file}`,
                content: fs.readFileSync(path.join(__dirname, folder, file), "utf8"),
            })),
    );
}

function repoFile(name: string): string {
    return fs.readFileSync(path.join(__dirname, name), "utf8");
}

/** Every Fail2Ban file of one host, with its host path. */
export function fail2banFiles(
    host: HostConfig,
    config: StackConfig,
    paths: Fail2banPaths = defaultPaths,
): HostFile[] {
    const jails = jailsFor(config, host.ssh.port, paths);
    return [
        ...staticFiles().map((f) => ({
            path: `${fail2banEtc}/${f.relative}`,
            content: f.content,
        })),
        { path: `${fail2banEtc}/jail.local`, content: renderJailLocal(config, jails) },
        {
            path: `${fail2banEtc}/fail2ban.d/mailfort.local`,
            content: renderServerSettings(config),
        },
        { path: dropInPath, content: renderDropIn() },
        { path: restoreProgramPath, content: repoFile("mailfort-fail2ban-restore"), mode: "0755" },
        { path: applyScriptPath, content: repoFile("mailfort-fail2ban-apply.sh"), mode: "0755" },
    ];
}

/** Log files that must exist before Fail2Ban starts: it refuses a jail whose log is missing. */
export function expectedLogs(
    config: StackConfig,
    host: HostConfig,
    paths = defaultPaths,
): string[] {
    const files = jailsFor(config, host.ssh.port, paths)
        .filter((jail) => jail.enabled)
        .flatMap((jail) => jail.logpath);
    return [...new Set(files)].sort();
}

export function ignoreIps(config: StackConfig): string[] {
    config.trustedNetworks.forEach((network, index) => {
        if (!isCidr(network)) {
            throw new Error(
                `mailfort:trustedNetworks[${index}] ${JSON.stringify(network)} must be an ` +
                    "address or CIDR such as 198.51.100.0/24",
            );
        }
    });
    return ["127.0.0.1/8", "::1", ...config.trustedNetworks];
}

export function renderJailLocal(config: StackConfig, jails: Jail[]): string {
    const f2b = config.fail2ban;
    const increment = f2b.increment;
    const longestBan = increment.enabled ? "%(bantime.maxtime)s" : "%(bantime)s";
    const lines = [
        "# Rendered by mailfort from the stack config (fail2ban.*); edits here are overwritten.",
        "# Jails and thresholds: see docs/fail2ban.md.",
        "",
        "[DEFAULT]",
        `ignoreip = ${ignoreIps(config).join(" ")}`,
        `maxretry = ${f2b.maxretry}`,
        `findtime = ${f2b.findtime}`,
        `bantime = ${f2b.bantime}`,
        `bantime.increment = ${increment.enabled}`,
        `bantime.factor = ${increment.factor}`,
        `bantime.maxtime = ${increment.maxtime}`,
        `bantime.overalljails = ${increment.overalljails}`,
        // Log lines name addresses; a name would let whoever controls its DNS pick the ban.
        "usedns = no",
        // pyinotify when installed, else polling: both follow the bind-mounted container log.
        "backend = auto",
        // The ban action reloads current bans at start the way Fail2Ban restores them: each
        // capped at the jail's longest ban, the jail's ignore list skipped.
        `mailfort_restore = maxbantime="${longestBan}", ignoreip="%(ignoreip)s"`,
        "banaction = mailfort-nftables",
        "banaction_allports = mailfort-nftables[type=allports, %(mailfort_restore)s]",
        "protocol = tcp",
        'action = %(banaction)s[port="%(port)s", protocol="%(protocol)s", %(mailfort_restore)s]',
        "",
        ...jails.flatMap(renderJail),
    ];
    return `${lines.join("\n")}\n`;
}

function renderJail(jail: Jail): string[] {
    const lines = [
        `[${jail.name}]`,
        `enabled = ${jail.enabled}`,
        `filter = ${jail.filter}`,
        ...(jail.backend ? [`backend = ${jail.backend}`] : []),
        ...logpathLines(jail.logpath),
        // Only for lines without a zone; DMS 15's RFC 3339 offsets are read as written.
        ...(jail.logtimezone ? [`logtimezone = ${jail.logtimezone}`] : []),
        ...(jail.ports
            ? [`port = ${jail.ports.join(",")}`]
            : ["action = %(banaction_allports)s"]),
        `maxretry = ${jail.maxretry}`,
        `findtime = ${jail.findtime}`,
        `bantime = ${jail.bantime}`,
        ...Object.entries(jail.extra ?? {}).map(([key, value]) => `${key} = ${value}`),
        "",
    ];
    return lines;
}

function logpathLines(files: string[]): string[] {
    const [first, ...rest] = files;
    if (first === undefined) return [];
    return [`logpath = ${first}`, ...rest.map((file) => `          ${file}`)];
}

/**
 * Server settings: the ban database must remember bans at least as long as the longest ban
 * increment and the recidive window, or repeat offenders start again from the first ban time.
 */
export function renderServerSettings(config: StackConfig): string {
    const f2b = config.fail2ban;
    const keep = Math.max(
        durationSeconds(f2b.increment.maxtime),
        durationSeconds(f2b.recidive.findtime),
        durationSeconds(f2b.recidive.bantime),
    );
    return [
        "# Rendered by mailfort; edits here are overwritten.",
        "[Definition]",
        `dbpurgeage = ${keep}`,
        // Debian's fail2ban.conf leaves it out and every client call warns about it.
        "allowipv6 = auto",
        "",
    ].join("\n");
}

/**
 * Docker (re)creates its NAT rules and the bind mount of the mail log when it starts; Fail2Ban
 * starting after it finds the log folder in place and bans on top of Docker's rules.
 */
export function renderDropIn(): string {
    return [
        "# Rendered by mailfort; edits here are overwritten.",
        "[Unit]",
        "After=docker.service",
        "",
    ].join("\n");
}
