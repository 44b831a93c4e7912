/**
 * How Fail2Ban reads the time stamps of the mail container's log, which DMS writes in the
 * container's time zone (`TZ` = `mail.timezone`).
 *
 * DMS 15 (Debian 12's rsyslog, `RSYSLOG_FileFormat`) writes RFC 3339 time stamps with their
 * offset, `2026-12-03T19:00:00.123456+09:00`. Fail2Ban 1.0.2's date detector reads that offset
 * and ignores `logtimezone` for such lines. `logtimezone` only applies to lines without a zone:
 * rsyslog's traditional `Dec  3 19:00:00`, which an operator may bring back through DMS's
 * user-patches.sh. For those it must name the container's zone, and Fail2Ban 1.0.2 accepts only
 * fixed offsets there (`UTC`, `UTC+0900`); a zone name such as `Asia/Tokyo` fails the jail.
 */

/**
 * The `logtimezone` of the mail jails: the zone's offset when it never changes during the year,
 * else none.
 *
 * Limitation: for a `mail.timezone` with daylight saving time no fixed offset is right all year,
 * so lines in rsyslog's traditional format (no zone) are read in the host's time zone; DMS 15's
 * default RFC 3339 lines are read right whatever the zone.
 */
export function mailLogTimezone(
    zone: string,
    year = new Date().getUTCFullYear(),
): string | undefined {
    // Weekly samples catch daylight saving time and shorter shifts (Morocco's Ramadan month).
    const offsets = new Set<number>();
    for (let week = 0; week < 53; week++) {
        offsets.add(utcOffsetMinutes(zone, new Date(Date.UTC(year, 0, 1 + 7 * week, 12))));
    }
    if (offsets.size !== 1) return undefined;
    const [minutes = 0] = [...offsets];
    return minutes === 0 ? "UTC" : `UTC${fixedOffset(minutes)}`;
}

/** `+0900`, `-0330`: the form Fail2Ban's `logtimezone` takes after `UTC`. */
function fixedOffset(minutes: number): string {
    const sign = minutes < 0 ? "-" : "+";
    const abs = Math.abs(minutes);
    const pad = (n: number) => String(n).padStart(2, "0");
    return `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

function utcOffsetMinutes(zone: string, at: Date): number {
    let name: string | undefined;
    try {
        name = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
            .formatToParts(at)
            .find((part) => part.type === "timeZoneName")?.value;
    } catch {
        throw new Error(
            `mailfort:mail.timezone ${JSON.stringify(zone)} is not a time zone of the IANA ` +
                "database; use UTC or a name such as Asia/Tokyo",
        );
    }
    // "GMT" for UTC itself, else "GMT+09:00" / "GMT-03:30".
    const match = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name ?? "");
    if (!match) throw new Error(`unexpected UTC offset ${JSON.stringify(name)} for ${zone}`);
    if (match[1] === undefined) return 0;
    const minutes = Number(match[2]) * 60 + Number(match[3]);
    return match[1] === "-" ? -minutes : minutes;
}
