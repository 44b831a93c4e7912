/**
 * A generated docker-mailserver mail.log: Postfix, Dovecot and OpenDKIM lines as they appear on a
 * busy host, mostly legitimate mail with SASL and IMAP guessing, RBL rejects and milter rejects
 * mixed in. Every client address is in a documentation range (198.51.100.0/24 for legitimate
 * clients, 203.0.113.0/24, 192.0.2.0/24 and 2001:db8::/32 for hostile ones).
 *
 * The generator is deterministic per seed and counts what mailfort-monitor should count in the
 * lines it wrote, so the benchmark can check that a run read exactly the appended lines.
 */
import { seeded } from "../seeded";

/** What mailfort-monitor's log parser should count in a piece of log. */
export interface Counts {
    smtpAuth: number;
    imapAuth: number;
    mailIn: number;
    mailOut: number;
    spam: number;
    virus: number;
}

export interface Generated {
    text: string;
    bytes: number;
    counts: Counts;
}

export function noCounts(): Counts {
    return { smtpAuth: 0, imapAuth: 0, mailIn: 0, mailOut: 0, spam: 0, virus: 0 };
}

export function addCounts(a: Counts, b: Counts, times = 1): Counts {
    return {
        smtpAuth: a.smtpAuth + b.smtpAuth * times,
        imapAuth: a.imapAuth + b.imapAuth * times,
        mailIn: a.mailIn + b.mailIn * times,
        mailOut: a.mailOut + b.mailOut * times,
        spam: a.spam + b.spam * times,
        virus: a.virus + b.virus * times,
    };
}

const months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(" ");
const users = ["admin", "info", "alice", "bob", "billing", "support", "noc", "postmaster"];
const remoteDomains = ["example.org", "example.net", "mail.example.org", "lists.example.net"];
const guessedUsers = ["admin", "test", "info@example.com", "root", "sales", "user1", "office"];

class Writer {
    private readonly rand: () => number;
    private readonly lines: string[] = [];
    private size = 0;
    private second: number;
    private pid = 2000;
    readonly counts = noCounts();

    constructor(
        seed: number,
        private readonly maxBytes: number,
    ) {
        this.rand = seeded(seed);
        // Each seed starts on its own day, so appended chunks read as new log, not a repeat.
        this.second = Date.UTC(2026, 0, 1) / 1000 + (seed % 300) * 86400;
    }

    get full(): boolean {
        return this.size >= this.maxBytes;
    }

    get text(): string {
        return this.lines.join("");
    }

    get bytes(): number {
        return this.size;
    }

    int(n: number): number {
        return Math.floor(this.rand() * n);
    }

    pick<T>(list: readonly T[]): T {
        return list[this.int(list.length)]!;
    }

    nextPid(): number {
        this.pid = this.pid >= 65000 ? 2000 : this.pid + 1 + this.int(7);
        return this.pid;
    }

    queueId(): string {
        const alphabet = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";
        let id = "4";
        for (let i = 0; i < 10; i++) id += alphabet[this.int(alphabet.length)];
        return id;
    }

    session(): string {
        const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let id = "";
        for (let i = 0; i < 16; i++) id += alphabet[this.int(alphabet.length)];
        return id;
    }

    /** Appends one line unless it would pass the byte limit; false when the limit was reached. */
    line(message: string, counted: Partial<Counts> = {}): boolean {
        if (this.int(3) === 0) this.second += 1;
        const date = new Date(this.second * 1000);
        const day = String(date.getUTCDate()).padStart(2, " ");
        const time = date.toISOString().slice(11, 19);
        const text = `${months[date.getUTCMonth()]} ${day} ${time} mail ${message}\n`;
        if (this.size + text.length > this.maxBytes) {
            this.size = this.maxBytes;
            return false;
        }
        this.lines.push(text);
        this.size += text.length;
        for (const [key, value] of Object.entries(counted)) {
            this.counts[key as keyof Counts] += value;
        }
        return true;
    }
}

function legitimateClient(w: Writer): string {
    return `198.51.100.${1 + w.int(200)}`;
}

/**
 * Hostile clients: 32 addresses in each IPv4 documentation range and 4,096 in 2001:db8::/32, so
 * a chunk carries the thousands of distinct sources of a distributed attack.
 */
const hostilePool = 32;
const hostilePool6 = 4096;

function hostileClient(w: Writer): string {
    const i = w.int(hostilePool);
    switch (w.int(3)) {
        case 0:
            return `203.0.113.${10 + i}`;
        case 1:
            return `192.0.2.${100 + i}`;
        default:
            return `2001:db8:bad::${w.int(hostilePool6).toString(16)}`;
    }
}

/** Inbound mail from another MX, signed-off by postscreen and delivered to Dovecot over LMTP. */
function inboundMail(w: Writer): void {
    const ip = legitimateClient(w);
    const host = `mx${w.int(9)}.${w.pick(remoteDomains)}`;
    const smtpd = w.nextPid();
    const id = w.queueId();
    const user = w.pick(users);
    const sender = `${w.pick(users)}@${w.pick(remoteDomains)}`;
    w.line(
        `postfix/postscreen[101]: CONNECT from [${ip}]:${40000 + w.int(20000)} to ` +
            "[172.18.0.2]:25",
    );
    w.line(`postfix/postscreen[101]: PASS OLD [${ip}]:${40000 + w.int(20000)}`);
    w.line(`postfix/smtpd[${smtpd}]: connect from ${host}[${ip}]`);
    w.line(`postfix/smtpd[${smtpd}]: ${id}: client=${host}[${ip}]`);
    w.line(`postfix/cleanup[${w.nextPid()}]: ${id}: message-id=<${w.session()}@${host}>`);
    w.line(
        `postfix/qmgr[107]: ${id}: from=<${sender}>, size=${2000 + w.int(90000)}, nrcpt=1 ` +
            "(queue active)",
    );
    w.line(
        `postfix/lmtp[${w.nextPid()}]: ${id}: to=<${user}@example.com>, ` +
            "relay=mail.example.com[/var/run/dovecot/lmtp], delay=0.3, delays=0.1/0/0/0.2, " +
            `dsn=2.0.0, status=sent (250 2.0.0 <${user}@example.com> ${w.session()} Saved)`,
        { mailIn: 1 },
    );
    w.line(`postfix/qmgr[107]: ${id}: removed`);
    w.line(
        `postfix/smtpd[${smtpd}]: disconnect from ${host}[${ip}] ehlo=2 starttls=1 mail=1 ` +
            "rcpt=1 data=1 quit=1 commands=7",
    );
}

/** A user submitting mail that goes out to a remote MX, DKIM-signed on the way. */
function outboundMail(w: Writer): void {
    const ip = legitimateClient(w);
    const pid = w.nextPid();
    const id = w.queueId();
    const user = `${w.pick(users)}@example.com`;
    const domain = w.pick(remoteDomains);
    w.line(`postfix/submission/smtpd[${pid}]: connect from unknown[${ip}]`);
    w.line(
        `postfix/submission/smtpd[${pid}]: ${id}: client=unknown[${ip}], ` +
            `sasl_method=PLAIN, sasl_username=${user}`,
    );
    w.line(`opendkim[${w.nextPid()}]: ${id}: DKIM-Signature field added (s=mail, d=example.com)`);
    w.line(
        `postfix/qmgr[107]: ${id}: from=<${user}>, size=${1000 + w.int(40000)}, nrcpt=1 ` +
            "(queue active)",
    );
    w.line(
        `postfix/smtp[${w.nextPid()}]: ${id}: to=<${w.pick(users)}@${domain}>, ` +
            `relay=mx.${domain}[192.0.2.25]:25, delay=1.1, delays=0.1/0/0.5/0.5, dsn=2.0.0, ` +
            `status=sent (250 2.0.0 Ok: queued as ${w.queueId()})`,
        { mailOut: 1 },
    );
    w.line(`postfix/qmgr[107]: ${id}: removed`);
    w.line(
        `postfix/submission/smtpd[${pid}]: disconnect from unknown[${ip}] ehlo=1 auth=1 ` +
            "mail=1 rcpt=1 data=1 quit=1 commands=6",
    );
}

function imapSession(w: Writer): void {
    const user = `${w.pick(users)}@example.com`;
    const session = w.session();
    const mpid = w.nextPid();
    w.line(
        `dovecot: imap-login: Login: user=<${user}>, method=PLAIN, ` +
            `rip=${legitimateClient(w)}, lip=172.18.0.2, mpid=${mpid}, TLS, session=<${session}>`,
    );
    w.line(
        `dovecot: imap(${user})<${mpid}><${session}>: Logged out in=${w.int(9000)} ` +
            `out=${w.int(900000)} deleted=0 expunged=0 trashed=0 hdr_count=0 hdr_bytes=0 ` +
            "body_count=0 body_bytes=0",
    );
}

/** A password-guessing client on the submission ports: the prey of Fail2Ban's postfix jail (auth mode). */
function saslGuessing(w: Writer): void {
    const ip = hostileClient(w);
    const pid = w.nextPid();
    const service = w.pick(["smtpd", "submission/smtpd", "submissions/smtpd"]);
    w.line(`postfix/${service}[${pid}]: connect from unknown[${ip}]`);
    const tries = 1 + w.int(3);
    for (let i = 0; i < tries; i++) {
        w.line(
            `postfix/${service}[${pid}]: warning: unknown[${ip}]: SASL LOGIN authentication ` +
                "failed: UGFzc3dvcmQ6",
            { smtpAuth: 1 },
        );
    }
    w.line(`postfix/${service}[${pid}]: lost connection after AUTH from unknown[${ip}]`);
    w.line(
        `postfix/${service}[${pid}]: disconnect from unknown[${ip}] ehlo=1 auth=0/${tries} ` +
            `commands=1/${tries + 1}`,
    );
}

function imapGuessing(w: Writer): void {
    const attempts = 1 + w.int(4);
    w.line(
        "dovecot: imap-login: Disconnected: Connection closed (auth failed, " +
            `${attempts} attempts in ${2 + w.int(30)} secs): user=<${w.pick(guessedUsers)}>, ` +
            `method=PLAIN, rip=${hostileClient(w)}, lip=172.18.0.2, TLS, session=<${w.session()}>`,
        { imapAuth: attempts },
    );
}

function rblReject(w: Writer): void {
    const ip = hostileClient(w);
    w.line(
        `postfix/postscreen[101]: CONNECT from [${ip}]:${40000 + w.int(20000)} to ` +
            "[172.18.0.2]:25",
    );
    w.line(
        "postfix/postscreen[101]: NOQUEUE: reject: RCPT from " +
            `[${ip}]:${40000 + w.int(20000)}: 550 5.7.1 Service unavailable; client [${ip}] ` +
            "blocked using zen.spamhaus.org; " +
            `from=<${w.pick(users)}@spam.example.net>, to=<${w.pick(users)}@example.com>, ` +
            "proto=ESMTP, helo=<bad.example.net>",
        { spam: 1 },
    );
    w.line(`postfix/postscreen[101]: DISCONNECT [${ip}]:${40000 + w.int(20000)}`);
}

function milterReject(w: Writer): void {
    const virus = w.int(10) === 0;
    const reason = virus
        ? '554 5.7.1 clamav: virus found: "Eicar-Signature"'
        : "554 5.7.1 Spam message rejected";
    w.line(
        `postfix/cleanup[${w.nextPid()}]: ${w.queueId()}: milter-reject: END-OF-MESSAGE from ` +
            `unknown[${hostileClient(w)}]: ${reason}; from=<x@spam.example.net> ` +
            `to=<${w.pick(users)}@example.com> proto=ESMTP helo=<spam.example.net>`,
        virus ? { virus: 1 } : { spam: 1 },
    );
}

function relayDenied(w: Writer): void {
    const ip = hostileClient(w);
    w.line(
        `postfix/smtpd[${w.nextPid()}]: NOQUEUE: reject: RCPT from unknown[${ip}]: 454 4.7.1 ` +
            `<victim@${w.pick(remoteDomains)}>: Relay access denied; from=<spoof@example.net> ` +
            "to=<victim@example.org> proto=ESMTP helo=<[203.0.113.1]>",
    );
}

/** Weights: a working mail host's log is mostly deliveries and logins, a fifth hostile. */
const events: Array<[number, (w: Writer) => void]> = [
    [30, inboundMail],
    [15, outboundMail],
    [25, imapSession],
    [10, saslGuessing],
    [8, imapGuessing],
    [5, rblReject],
    [4, milterReject],
    [3, relayDenied],
];
const totalWeight = events.reduce((sum, [weight]) => sum + weight, 0);

/** Whole lines up to `maxBytes` bytes (never more), the same for the same seed. */
export function generateLog(seed: number, maxBytes: number): Generated {
    const w = new Writer(seed, maxBytes);
    while (!w.full) {
        let roll = w.int(totalWeight);
        for (const [weight, event] of events) {
            if (roll < weight) {
                event(w);
                break;
            }
            roll -= weight;
        }
    }
    const text = w.text;
    return { text, bytes: Buffer.byteLength(text), counts: { ...w.counts } };
}
