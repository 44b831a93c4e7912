/**
 * The jails mailfort runs: which filter (and mode) each uses, which log it reads and which ports
 * a ban closes. Pure data and functions; `render.ts` turns the result into jail.local.
 */
import type { StackConfig } from "../../config";
import type { Fail2banJailName } from "../../config/sections/fail2ban";
import { hostPaths } from "../host/paths";
import { mailLogTimezone } from "./timezone";

/** Where the jails read. Tests point these at temporary files; hosts use the defaults. */
export interface Fail2banPaths {
    /** Postfix and Dovecot log of the mail container (time stamps in `mail.timezone`). */
    mailLog: string;
    /** The future web endpoint's nginx logs. */
    nginxErrorLog: string;
    nginxAccessLog: string;
    /** Host sshd log when `fail2ban.sshdLog` is `auth.log`. */
    authLog: string;
    /** Fail2Ban's own log, read by the recidive jail. */
    fail2banLog: string;
}

export const defaultPaths: Fail2banPaths = {
    mailLog: hostPaths.mailLog,
    nginxErrorLog: "/var/log/mailfort-nginx/error.log",
    nginxAccessLog: "/var/log/mailfort-nginx/access.log",
    authLog: "/var/log/auth.log",
    fail2banLog: "/var/log/fail2ban.log",
};

/**
 * Every port of the mail container that may be published: a client caught on one mail service
 * is shut out of all of them, since brute-forcers move from SMTP AUTH to IMAP.
 */
export const mailPorts = [25, 110, 143, 465, 587, 993, 995, 4190];
export const webPorts = [80, 443];

/** One rendered jail section. */
export interface Jail {
    name: string;
    enabled: boolean;
    /** `filter` value, with options, e.g. `postfix[mode=extra]`. */
    filter: string;
    /** Log files, or none for the systemd backend. */
    logpath: string[];
    backend?: "systemd";
    /** Ports a ban closes; undefined means every port (recidive). */
    ports?: number[];
    /** Set for the mail container's log, written in the container's time zone. */
    containerLog: boolean;
    /** `logtimezone` for lines without a zone; undefined leaves Fail2Ban's own (host time). */
    logtimezone?: string;
    maxretry: number;
    findtime: string;
    bantime: string;
    /** Extra settings specific to this jail. */
    extra?: Record<string, string>;
}

/**
 * The jails of one host, in the order they appear in jail.local.
 *
 * IPv6: the baseline's daemon.json turns Docker's userland proxy off and enables IPv6 on the
 * bridge, so IPv6 clients are DNATed to the container with their address intact, like IPv4
 * clients: Postfix and Dovecot log the real client, and the ban, hooked before the DNAT, matches
 * it. With `mail.ipv6` false (or a host without `ipv6`) the mail ports are published on IPv4
 * only and IPv6 clients are refused at the host.
 *
 * Limitation: mail bombing is counted per client address; a big provider's shared outbound pool
 * could reach the threshold with honest mail. Add such relays to `trustedNetworks`.
 */
export function jailsFor(
    config: StackConfig,
    sshPort: number,
    paths: Fail2banPaths = defaultPaths,
): Jail[] {
    const logtimezone = mailLogTimezone(config.mail.timezone);
    const mail = (name: Fail2banJailName, filter: string): Jail => ({
        ...tuned(config, name, { filter, logpath: [paths.mailLog], ports: mailPorts }),
        containerLog: true,
        ...(logtimezone ? { logtimezone } : {}),
    });
    const web = (name: Fail2banJailName, logpath: string[]): Jail => ({
        ...tuned(config, name, { filter: name, logpath, ports: webPorts }),
        // The web endpoint only exists with MTA-STS; its jails must not wait on absent logs.
        enabled: config.services.mtaSts && config.fail2ban.jails[name].enabled,
    });
    return [
        sshdJail(config, sshPort, paths),
        // `extra` = upstream's default `more` (relay denied, unknown users, rejected HELO, sender
        // or client, RBL hits) plus `auth` (SASL failures): one jail, so the guide's `set postfix
        // unbanip` also frees a user locked out by mistyped passwords. Not `aggressive`: its
        // `ddos` part is postfix-mx-abuse's, which spares lost connections after AUTH and DATA.
        mail("postfix", "postfix[mode=extra]"),
        mail("dovecot", "mailfort-dovecot[mode=normal]"),
        mail("postfix-helo", "mailfort-postfix-helo"),
        mail("postfix-mx-abuse", "mailfort-postfix-mx-abuse"),
        mail("postfix-rate-limit", "mailfort-postfix-rate-limit"),
        mail("postfix-mail-bombing", "mailfort-postfix-mail-bombing"),
        web("nginx-http-auth", [paths.nginxErrorLog]),
        web("nginx-botsearch", [paths.nginxAccessLog, paths.nginxErrorLog]),
        web("nginx-limit-req", [paths.nginxErrorLog]),
        recidiveJail(config, paths),
    ];
}

function tuned(
    config: StackConfig,
    name: Fail2banJailName,
    jail: Pick<Jail, "filter" | "logpath" | "ports">,
): Jail {
    const settings = config.fail2ban.jails[name];
    return {
        name,
        enabled: settings.enabled,
        containerLog: false,
        maxretry: settings.maxretry ?? config.fail2ban.maxretry,
        findtime: settings.findtime ?? config.fail2ban.findtime,
        bantime: settings.bantime ?? config.fail2ban.bantime,
        ...jail,
    };
}

/**
 * Aggressive mode also bans pre-auth probing (kex failures, disconnects before auth). OpenSSH
 * 9.8+ (Debian 13, Ubuntu 25.04) logs from `sshd-session`, which 1.0.2's filter does not know;
 * Ubuntu names the unit ssh.service, Debian sshd.service.
 */
const sshdFilter = "sshd[mode=aggressive, _daemon=\"sshd(?:-session)?\", journalmatch=\"" +
    "_SYSTEMD_UNIT=ssh.service + _SYSTEMD_UNIT=sshd.service + _COMM=sshd + _COMM=sshd-session\"]";

function sshdJail(config: StackConfig, sshPort: number, paths: Fail2banPaths): Jail {
    // While SSH moves port, sshd listens on both: a ban must close both, or the attacker moves too.
    const moving = config.services.sshHardening ? config.sshd.extraPorts : [];
    const jail = tuned(config, "sshd", {
        filter: sshdFilter,
        logpath: [],
        ports: [...new Set([sshPort, ...moving])],
    });
    return config.fail2ban.sshdLog === "journal"
        ? { ...jail, backend: "systemd" }
        : { ...jail, logpath: [paths.authLog] };
}

function recidiveJail(config: StackConfig, paths: Fail2banPaths): Jail {
    const recidive = config.fail2ban.recidive;
    return {
        name: "recidive",
        enabled: recidive.enabled,
        filter: "recidive",
        logpath: [paths.fail2banLog],
        containerLog: false,
        maxretry: recidive.maxretry,
        findtime: recidive.findtime,
        bantime: recidive.bantime,
        // The recidive ban is already the long one; doubling it again would make it permanent.
        extra: { "bantime.increment": "false" },
    };
}
