/**
 * A large, reproducible mail.log as docker-mailserver writes it (rsyslog's traditional format,
 * container clock in UTC): honest mail flow and IMAP use mixed with brute-force, dictionary,
 * relay, HELO, scanner, rate-limit and flood traffic. Line shapes follow mailfort's annotated
 * samples (test/fail2ban/samples) and upstream Fail2Ban's postfix and dovecot sample logs.
 * Client addresses are documentation addresses only.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";

import { seeded } from "../seeded";

type Pick = <T>(items: readonly T[]) => T;

/** What one line template needs: random picks and the current client pools. */
interface Draw {
    pick: Pick;
    int: (max: number) => number;
    peer: () => string;
    attacker: () => string;
    qid: () => string;
    session: () => string;
}

const users = ["alice", "bob", "carol", "dave", "postmaster", "info", "sales"];
const guesses = ["admin", "test", "info", "office", "webmaster", "root", "user1", "contact"];
const peers = ["mx.example.org", "mail.example.net", "smtp.example.com", "unknown"];
const cipher = "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)";
const alphabet = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";

/** [weight, daemon, message]; the weights make about two thirds honest lines. */
const templates: [number, string, (d: Draw) => string][] = [
    // Honest inbound mail, from connection to delivery.
    [
        60,
        "postfix/postscreen",
        (d) => `CONNECT from [${d.peer()}]:${40000 + d.int(20000)} to [172.18.0.2]:25`,
    ],
    [40, "postfix/postscreen", (d) => `PASS OLD [${d.peer()}]:${40000 + d.int(20000)}`],
    [60, "postfix/smtpd", (d) => `connect from ${d.pick(peers)}[${d.peer()}]`],
    [
        40,
        "postfix/smtpd",
        (d) => `Anonymous TLS connection established from ${d.pick(peers)}[${d.peer()}]: ${cipher}`,
    ],
    [30, "postfix/smtpd", (d) => `${d.qid()}: client=${d.pick(peers)}[${d.peer()}]`],
    [
        10,
        "postfix/submission/smtpd",
        (d) =>
            `${d.qid()}: client=unknown[${d.peer()}], sasl_method=PLAIN, ` +
            `sasl_username=${d.pick(users)}@example.com`,
    ],
    [40, "postfix/cleanup", (d) => `${d.qid()}: message-id=<${d.session()}@${d.pick(peers)}>`],
    [
        40,
        "postfix/qmgr",
        (d) =>
            `${d.qid()}: from=<${d.pick(users)}@example.org>, size=${1000 + d.int(90000)}, ` +
            "nrcpt=1 (queue active)",
    ],
    [
        35,
        "postfix/lmtp",
        (d) =>
            `${d.qid()}: to=<${d.pick(users)}@example.com>, ` +
            "relay=mail.example.com[/var/run/dovecot/lmtp], delay=0.2, delays=0.1/0/0/0.1, " +
            `dsn=2.0.0, status=sent (250 2.0.0 <${d.pick(users)}@example.com> ` +
            `${d.session()} Saved)`,
    ],
    [
        15,
        "postfix/smtp",
        (d) =>
            `${d.qid()}: to=<${d.pick(users)}@example.org>, ` +
            `relay=mx.example.org[${d.peer()}]:25, ` +
            "delay=1.1, delays=0.1/0/0.5/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued)",
    ],
    [40, "postfix/qmgr", (d) => `${d.qid()}: removed`],
    [
        60,
        "postfix/smtpd",
        (d) =>
            `disconnect from ${d.pick(peers)}[${d.peer()}] ` +
            "ehlo=2 starttls=1 mail=1 rcpt=1 data=1 " +
            "quit=1 commands=7",
    ],
    [
        5,
        "postfix/anvil",
        (d) =>
            `statistics: max connection rate ${1 + d.int(9)}/60s for (smtp:${d.peer()}) at ` +
            "Dec  3 18:00:00",
    ],
    // Honest IMAP use.
    [
        40,
        "dovecot",
        (d) =>
            `imap-login: Login: user=<${d.pick(users)}@example.com>, method=PLAIN, ` +
            `rip=${d.peer()}, lip=172.18.0.2, mpid=${d.int(30000)}, TLS, session=<${d.session()}>`,
    ],
    [
        40,
        "dovecot",
        (d) =>
            `imap(${d.pick(users)}@example.com)<${d.int(30000)}><${d.session()}>: Logged out ` +
            `in=${d.int(5000)} out=${d.int(90000)} deleted=0 expunged=0 trashed=0 hdr_count=0 ` +
            "hdr_bytes=0 body_count=0 body_bytes=0",
    ],
    [
        30,
        "dovecot",
        (d) =>
            `lmtp(${d.pick(users)}@example.com)<${d.int(30000)}><${d.session()}>: ` +
            `msgid=<${d.session()}@example.org>: saved mail to INBOX`,
    ],
    // Brute force on SMTP AUTH and IMAP, dictionary attacks, relay probes.
    [
        50,
        "postfix/submission/smtpd",
        (d) => `warning: unknown[${d.attacker()}]: SASL LOGIN authentication failed: UGFzc3dvcmQ6`,
    ],
    [
        30,
        "postfix/smtpd",
        (d) =>
            `lost connection after ${d.pick(["AUTH", "CONNECT", "EHLO", "STARTTLS"])} from ` +
            `unknown[${d.attacker()}]`,
    ],
    [
        25,
        "postfix/smtpd",
        (d) => `disconnect from unknown[${d.attacker()}] ehlo=1 auth=0/1 quit=1 commands=2/3`,
    ],
    [
        20,
        "postfix/smtpd",
        (d) =>
            `NOQUEUE: reject: RCPT from unknown[${d.attacker()}]: 550 5.1.1 ` +
            `<${d.pick(guesses)}@example.com>: Recipient address rejected: ` +
            "User unknown in virtual " +
            `mailbox table; from=<x@example.net> to=<${d.pick(guesses)}@example.com> proto=ESMTP ` +
            "helo=<spam.example.net>",
    ],
    [
        10,
        "postfix/smtpd",
        (d) =>
            `NOQUEUE: reject: RCPT from unknown[${d.attacker()}]: 554 5.7.1 <x@example.org>: ` +
            "Relay access denied; from=<x@example.net> to=<x@example.org> proto=ESMTP helo=<x>",
    ],
    [
        10,
        "postfix/smtpd",
        (d) =>
            `NOQUEUE: reject: RCPT from unknown[${d.attacker()}]: 504 5.5.2 ` +
            `<WIN-${d.session()}>: ` +
            "Helo command rejected: need fully-qualified hostname; from=<x@example.net> " +
            `to=<alice@example.com> proto=ESMTP helo=<WIN-${d.session()}>`,
    ],
    [
        10,
        "postfix/smtpd",
        (d) =>
            `NOQUEUE: reject: RCPT from unknown[${d.attacker()}]: 450 4.7.25 Client host ` +
            "rejected: cannot find your hostname, [192.0.2.99]; from=<x@example.net> " +
            "to=<alice@example.com> proto=ESMTP helo=<x.example.net>",
    ],
    [
        10,
        "postfix/postscreen",
        (d) =>
            `NOQUEUE: reject: RCPT from [${d.attacker()}]:${40000 + d.int(20000)}: 550 5.7.1 ` +
            `Service unavailable; client [${d.attacker()}] blocked using zen.spamhaus.org; ` +
            "from=<x@example.net>, to=<alice@example.com>, proto=ESMTP, helo=<x.example.net>",
    ],
    // Scanners and bots on port 25, rate limits, floods.
    [
        8,
        "postfix/postscreen",
        (d) =>
            `PREGREET 11 after 0.08 from [${d.attacker()}]:${40000 + d.int(20000)}: EHLO x\\r\\n`,
    ],
    [
        5,
        "postfix/postscreen",
        (d) =>
            `HANGUP after 0.5 from [${d.attacker()}]:${40000 + d.int(20000)} in tests after ` +
            "SMTP handshake",
    ],
    [
        3,
        "postfix/postscreen",
        (d) =>
            `COMMAND PIPELINING from [${d.attacker()}]:${40000 + d.int(20000)} after EHLO: ` +
            "MAIL FROM:<a@example.net>\\r\\n",
    ],
    [
        5,
        "postfix/smtpd",
        (d) => `warning: non-SMTP command from unknown[${d.attacker()}]: GET / HTTP/1.1`,
    ],
    [
        5,
        "postfix/smtpd",
        (d) =>
            `improper command pipelining after CONNECT from unknown[${d.attacker()}]: ` +
            "EHLO x\\r\\nMAIL FROM:<a@b>\\r\\n",
    ],
    [5, "postfix/smtpd", (d) => `too many errors after RCPT from unknown[${d.attacker()}]`],
    [
        8,
        "postfix/smtpd",
        (d) =>
            `warning: ${d.pick(["Connection rate", "Message delivery request rate"])} limit ` +
            `exceeded: ${31 + d.int(100)} from unknown[${d.attacker()}] for service smtp`,
    ],
    [
        3,
        "postfix/smtpd",
        (d) =>
            `NOQUEUE: reject: RCPT from unknown[${d.attacker()}]: 452 4.5.3 Error: too many ` +
            "recipients; from=<x@example.net> to=<bob@example.com> proto=ESMTP helo=<x>",
    ],
    [
        30,
        "dovecot",
        (d) =>
            `imap-login: Disconnected (auth failed, 1 attempts in 2 secs): ` +
            `user=<${d.pick(guesses)}@example.com>, method=PLAIN, rip=${d.attacker()}, ` +
            `lip=172.18.0.2, TLS, session=<${d.session()}>`,
    ],
    [
        20,
        "dovecot",
        (d) =>
            `auth: passwd-file(${d.pick(guesses)}@example.com,${d.attacker()},<${d.session()}>): ` +
            d.pick(["unknown user", "Password mismatch"]),
    ],
    [
        10,
        "dovecot",
        (d) =>
            "imap-login: Disconnected (no auth attempts in 0 secs): user=<>, " +
            `rip=${d.attacker()}, ` +
            `lip=172.18.0.2, TLS handshaking: SSL_accept() failed, session=<${d.session()}>`,
    ],
    [
        10,
        "postfix/smtpd",
        (d) =>
            `warning: hostname ${d.session().toLowerCase()}.example.net does not resolve to ` +
            `address ${d.attacker()}: Name or service not known`,
    ],
    [5, "postfix/smtpd", (d) => `SSL_accept error from unknown[${d.attacker()}]: lost connection`],
];

const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** rsyslog's traditional timestamp: "Dec  3 18:00:01", day padded with a space. */
function syslogTime(date: Date): string {
    const day = String(date.getUTCDate()).padStart(2, " ");
    const time = date.toISOString().slice(11, 19);
    return `${months[date.getUTCMonth()]} ${day} ${time}`;
}

/** Honest peers and hostile clients: separate documentation ranges, some of them IPv6. */
function pools(random: () => number): { peers: string[]; attackers: string[] } {
    const hex = () => Math.floor(random() * 0xffff).toString(16);
    const peers = Array.from({ length: 120 }, (_, i) => `198.51.100.${i + 1}`);
    peers.push(...Array.from({ length: 40 }, () => `2001:db8:600d::${hex()}`));
    const attackers = Array.from({ length: 250 }, (_, i) =>
        i < 125 ? `203.0.113.${i + 1}` : `192.0.2.${i - 124}`,
    );
    attackers.push(...Array.from({ length: 250 }, () => `2001:db8:bad:${hex()}::${hex()}`));
    return { peers, attackers };
}

export interface GeneratedLog {
    lines: number;
    bytes: number;
    /** SHA-256 of the file: the same seed and count must give the same digest anywhere. */
    sha256: string;
}

/**
 * Writes `count` lines to `file`, from `seed`, spread over twelve hours of Dec 3 (the dates
 * only need to parse; Fail2Ban's findtime plays no part in a filter's speed).
 */
export function writeMailLog(file: string, count: number, seed = 20261203): GeneratedLog {
    const random = seeded(seed);
    const int = (max: number) => Math.floor(random() * max);
    const pick: Pick = (items) => items[int(items.length)] as (typeof items)[number];
    const { peers: peerPool, attackers } = pools(random);
    const token = (length: number) =>
        Array.from({ length }, () => alphabet[int(alphabet.length)]).join("");
    const draw: Draw = {
        pick,
        int,
        peer: () => pick(peerPool),
        attacker: () => pick(attackers),
        qid: () => token(13),
        session: () => token(16),
    };
    const total = templates.reduce((sum, [weight]) => sum + weight, 0);
    const start = Date.UTC(2026, 11, 3, 6, 0, 0);
    const fd = fs.openSync(file, "w");
    const digest = createHash("sha256");
    let bytes = 0;
    try {
        let batch: string[] = [];
        for (let i = 0; i < count; i += 1) {
            const when = new Date(start + Math.floor((i * 12 * 3600 * 1000) / count));
            const line = `${syslogTime(when)} mail ${render(draw, int(total))}\n`;
            batch.push(line);
            if (batch.length === 10_000 || i === count - 1) {
                const text = batch.join("");
                bytes += Buffer.byteLength(text);
                digest.update(text);
                fs.writeSync(fd, text);
                batch = [];
            }
        }
    } finally {
        fs.closeSync(fd);
    }
    return { lines: count, bytes, sha256: digest.digest("hex") };
}

function render(draw: Draw, ticket: number): string {
    let left = ticket;
    for (const [weight, daemon, message] of templates) {
        if (left >= weight) {
            left -= weight;
            continue;
        }
        // Dovecot logs through syslog under its bare name, Postfix with the process id.
        const tag = daemon === "dovecot" ? daemon : `${daemon}[${100 + draw.int(30000)}]`;
        return `${tag}: ${message(draw)}`;
    }
    throw new Error(`template weights do not cover ticket ${ticket}`);
}
