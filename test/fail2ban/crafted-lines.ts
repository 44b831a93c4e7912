/**
 * Adversarial log lines: long repeated tokens an attacker controls (a HELO name, a user name, a
 * non-SMTP command, a Dovecot disconnect reason, a request path) in the shapes that make a regex
 * backtrack. Used by the crafted-line test (every filter, bounded time) and by the filter-speed
 * benchmark (the slowest line per filter).
 */

/** The daemons' line prefixes, so every filter meets each long token in a line it parses. */
export const craftedPrefixes = [
    "Dec  3 18:00:00 mail postfix/smtpd[1]: ",
    "2026-12-03T18:00:00.000000+00:00 mail postfix/postscreen[1]: ",
    "Dec  3 18:00:00 mail dovecot: imap-login: ",
    "Dec  3 18:00:00 mail dovecot: auth: passwd-file(",
    "Dec  3 18:00:00 host sshd[1]: ",
    "2026/12/03 18:00:00 [error] 1#1: *1 ",
    "2026-12-03 18:00:00,000 fail2ban.actions [1]: NOTICE [sshd] ",
];

/** The mail daemons' prefixes only, for the mail filters. */
export const mailPrefixes = [
    "Dec  3 18:00:00 mail postfix/smtpd[1]: ",
    "2026-12-03T18:00:00.000000+00:00 mail postfix/postscreen[1]: ",
    "Dec  3 18:00:00 mail postfix/submission/smtpd[1]: ",
    "Dec  3 18:00:00 mail dovecot: imap-login: ",
    "Dec  3 18:00:00 mail dovecot: auth: passwd-file(",
];

export const craftedBodies = [
    `NOQUEUE: reject: RCPT from unknown[192.0.2.1]: 504 5.5.2 <${"a".repeat(10_000)}>: ` +
        "Helo command rejected: need fully-qualified hostname; helo=<x>",
    `NOQUEUE: reject: RCPT from ${"unknown[192.0.2.1]".repeat(600)}: 450 4.7.1 <x>: Helo`,
    `${"[192.0.2.4]".repeat(1500)} from [192.0.2.1]:1: x`,
    `lost connection after ${"A".repeat(8000)} from unknown[192.0.2.1]x`,
    `warning: non-SMTP command from unknown[192.0.2.1]: ${": [192.0.2.2]".repeat(1000)}`,
    `Disconnected${": a".repeat(3000)} rip=192.0.2.1`,
    `Disconnected${": a (b".repeat(2000)} (auth failed, 1 attempts): rip=192.0.2.1x`,
    `Disconnected (auth failed, 1 attempts): user=<x>, rip=192.0.2.1${" ".repeat(10_000)}>`,
    `Disconnected (auth failed, 1 attempts): rip=192.0.2.1, ${"session=<a".repeat(1000)}`,
    `${"x,192.0.2.1".repeat(1000)}): unknown user${" (a".repeat(2000)}`,
    `Failed password for ${"invalid user ".repeat(1000)}x from 192.0.2.1 port 1 ssh2 x`,
    `Invalid user ${"from 192.0.2.1 port 1 ".repeat(500)}`,
    `client: 192.0.2.1, request: "GET /${"%2e".repeat(5000)} HTTP/1.1", host: "x"` +
        " ".repeat(5000),
    `limiting requests, excess: 1.0 by zone "${"z".repeat(5000)}", client: 192.0.2.1, x`,
    `Ban ${"192.0.2.1 ".repeat(2000)}`,
    `${"(".repeat(5000)}${")".repeat(5000)}`,
    `${" ".repeat(10_000)}x`,
    // Aimed at the postfix SASL, HELO, mail-bombing, MX-abuse and rate-limit patterns.
    `warning: unknown[192.0.2.1]: SASL LOGIN authentication failed: ${"UGFz: ".repeat(3000)}`,
    `warning: ${"unknown[192.0.2.1]: ".repeat(800)}SASL PLAIN authentication failed:`,
    `NOQUEUE: reject: RCPT from unknown[192.0.2.1]: 504 5.5.2 <${"<a>".repeat(3000)}>: Helo`,
    `NOQUEUE: reject: ${"RCPT from x[192.0.2.1]: ".repeat(600)}554 5.7.1 Relay access denied`,
    `4Rk2Xq1Lz3z9b: client=unknown[192.0.2.1], ${", sasl_username=a".repeat(2000)}x`,
    `4Rk2Xq1Lz3z9b: ${"client=unknown[192.0.2.1]".repeat(600)}`,
    `improper command pipelining after CONNECT from unknown[192.0.2.1]: ${"\\r\\n".repeat(4000)}`,
    `PREGREET 11 after 0.08 from [192.0.2.1]:1: ${"EHLO x from [192.0.2.2]:25 ".repeat(600)}`,
    `timeout after ${"DATA (0 bytes) ".repeat(1000)}from unknown[192.0.2.1]`,
    `warning: Connection rate limit exceeded: ${"61 from unknown[192.0.2.1] ".repeat(600)}`,
    `Login aborted: ${"(a) ".repeat(3000)}(auth failed, 1 attempts) (auth_failed): rip=192.0.2.1`,
    `pam(x,192.0.2.1): pam_authenticate() failed: ${"Authentication failure ".repeat(500)}`,
    // A logged password (auth_verbose_passwords = plain) repeating passdb prefixes.
    `x,192.0.2.1,<s>): Password mismatch (given password: ${"a) (b,192.0.2.2): ".repeat(1000)})`,
    `${"x,192.0.2.1,".repeat(1000)}<s>): unknown user (given password: ${"(".repeat(3000)})`,
];

/** Every prefix with every body. */
export function craftedLines(prefixes: readonly string[] = craftedPrefixes): string[] {
    return prefixes.flatMap((prefix) => craftedBodies.map((body) => prefix + body));
}
