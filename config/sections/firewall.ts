/** Host firewall settings: UFW allow-list plus the nftables hardening table. */
import { z } from "zod";

/** SMTP, submissions, submission, IMAPS: always open, so never an exception. */
const mailPorts = [25, 465, 587, 993];

export type FirewallException = z.output<typeof exceptionSchema>;

/** A port opened on purpose beyond mail and SSH; the name says why, for reviewers. */
const exceptionSchema = z.strictObject({
    name: z.string().regex(/^[a-z][a-z0-9-]{1,40}$/, "must be a short kebab-case reason"),
    port: z.number().int().min(1).max(65535),
    protocol: z.enum(["tcp", "udp"]).default("tcp"),
});

function count(what: string, min: number, max: number, fallback: number) {
    const range = `must be a whole number of ${what} from ${min} to ${max}`;
    return z.number({ invalid_type_error: range }).int(range).min(min, range).max(max, range)
        .default(fallback);
}

export const firewallSchema = z.strictObject({
    /** Ports opened beyond 25, 465, 587, 993 and SSH, each with a named reason. */
    exceptions: z.array(exceptionSchema).superRefine(checkExceptions).default([]),
    /**
     * New TCP connections per second one source address may open (SYN rate). A big sender such
     * as Gmail opens a few parallel connections per address, far below this.
     */
    synRatePerSecond: count("SYNs per second", 1, 1000, 10),
    /** SYNs a source may send at once above the rate before it is limited. */
    synBurst: count("SYN packets", 1, 10_000, 40),
    /**
     * Connections one source address may hold open at once, on all ports together. Above
     * Postfix's per-client limit (20) so Postfix answers with a 4xx first; offices behind one
     * NAT address hold several IMAP connections per user.
     */
    concurrentConnectionsPerSource: count("connections", 5, 100_000, 50),
    /**
     * New SSH connections per minute one source may open once its burst is spent. Slows a
     * brute-forcer to a crawl; Fail2Ban's sshd jail does the banning. Trusted networks are exempt.
     */
    sshRatePerMinute: count("connections per minute", 1, 600, 20),
    /**
     * New SSH connections one source may open at once. One `pulumi up` opens an SSH connection
     * per remote command (about 70 for a host, many in parallel) plus the Docker provider's;
     * `ufw limit` (6 in 30 seconds) would refuse most of them.
     */
    sshBurst: count("connections", 10, 10_000, 150),
    /**
     * The probe of a closed port that traps its source: with 6, a source may probe 5 distinct
     * closed ports at once, and 5 more per window after that. Each port counts once per window,
     * so a retransmitted SYN or a mail client's auto-setup asking again is no new probe;
     * auto-setup tries a few closed ports (110, 143, 995, sometimes 2525 or 4190).
     */
    scanTrapProbes: count("probes", 2, 1000, 6),
    /** The window over which probes of closed ports are counted. */
    scanTrapWindowSeconds: count("seconds", 10, 86_400, 600),
    /** How long a trapped source stays dropped on every port. */
    scanTrapTimeoutSeconds: count("seconds", 10, 7 * 86_400, 600),
    /**
     * IPv6 sources are trapped and SSH-limited by this prefix: providers hand each customer a
     * /64 (or a /56, /48), whose addresses a scanner can rotate through. 128 counts each address
     * on its own, for hosting networks where unrelated customers share one /64.
     */
    ipv6SourcePrefixLength: count("bits", 32, 128, 64),
    /**
     * Source addresses each meter and trap set holds at once. Memory is only taken as entries are
     * added (a few hundred bytes each), so the cap matters when a flood from forged sources fills
     * a set; then new sources pass that set's limit until old entries expire.
     */
    maxTrackedSources: count("addresses", 1024, 1_048_576, 131_072),
    /** ICMP echo requests per second answered per source address. */
    icmpEchoRatePerSecond: count("echo requests per second", 1, 1000, 5),
    /** Echo requests a source may send at once above the rate. */
    icmpEchoBurst: count("echo requests", 1, 1000, 10),
    /**
     * Seconds after an apply starts before the host restores the previous rules by itself, unless
     * a new SSH connection has confirmed the change. Rewriting UFW's rules alone takes about ten
     * seconds on a small VPS, hence the floor.
     */
    rollbackTimeoutSeconds: count("seconds", 30, 3600, 120),
});

export type FirewallSettings = z.output<typeof firewallSchema>;

function checkExceptions(exceptions: FirewallException[], ctx: z.RefinementCtx): void {
    const seen = new Set<string>();
    exceptions.forEach((exception, index) => {
        const key = `${exception.port}/${exception.protocol}`;
        if (exception.protocol === "tcp" && mailPorts.includes(exception.port)) {
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: [index, "port"],
                message: `${key} is a mail port and always open; remove this exception`,
            });
        }
        if (seen.has(key)) {
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: [index, "port"],
                message: `${key} is listed twice; keep one exception per port and protocol`,
            });
        }
        seen.add(key);
    });
}
