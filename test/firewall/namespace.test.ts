/**
 * The host firewall for real: the rendered ruleset and the real `mailfort-firewall` script load
 * UFW and the nftables table into a server namespace that publishes ports like Docker, and real
 * connections, hping3 floods, nmap scans and ICMP show what gets through. Each case that claims
 * a port is closed first shows something listening on it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import type { StackConfig } from "../../config";
import { firewallFiles } from "../../components/firewall/render";
import { requireTools } from "../support/system";
import { exampleConfig, exampleValue } from "../support/stack";
import {
    addresses,
    buildLab,
    eventually,
    fail2banBan,
    FirewallLab,
    installFiles,
    probe,
    publicV4,
    publicV6,
    restartDocker,
    scriptEnv,
    serverLinkLocal,
    ufwArgs,
    unlistedV4,
    unlistedV6,
} from "./lab";

const limits = {
    synRatePerSecond: 20,
    synBurst: 20,
    concurrentConnectionsPerSource: 10,
    sshRatePerMinute: 6,
    sshBurst: 30,
    scanTrapProbes: 5,
    scanTrapWindowSeconds: 600,
    scanTrapTimeoutSeconds: 15,
    icmpEchoRatePerSecond: 5,
    icmpEchoBurst: 5,
    rollbackTimeoutSeconds: 30,
};

/** A database on the host itself, listening on every address: never for the internet. */
const hostService = 3306;

function labConfig(sshPort = 22, exceptions: unknown[] = []): StackConfig {
    const [host] = exampleValue<Record<string, Record<string, unknown>>[]>("hosts");
    const ssh = { ...host?.["ssh"], port: sshPort };
    return exampleConfig({
        hosts: [{ ...host, ipv4: publicV4, ipv6: publicV6, ssh }],
        trustedNetworks: ["198.51.100.0/24"],
        firewall: { ...limits, exceptions },
    });
}

let fw: FirewallLab;

/** SYNs that may reach the container in `seconds`: the burst, the rate, a second of slack. */
function synBudget(seconds: number): number {
    return limits.synBurst + limits.synRatePerSecond * (seconds + 1);
}

function firewall(step: string) {
    return fw.server.attempt(["env", ...scriptEnv(fw.dir),
        path.join(fw.dir, "root/usr/local/sbin/mailfort-firewall"), step], { timeoutMs: 60_000 });
}

function mustRun(step: string): string {
    const result = firewall(step);
    if (result.status !== 0) throw new Error(`mailfort-firewall ${step}: ${result.stderr}`);
    return result.stderr;
}

function ship(sshPort = 22, exceptions: unknown[] = []): void {
    const config = labConfig(sshPort, exceptions);
    installFiles(fw.dir, firewallFiles(config.hosts[0]!, config));
}

type Peer = "attacker" | "client" | "container";

function reaches(from: Peer, address: string, port: number, timeout = 1.5) {
    return fw[from].attempt(["python3", probe, "connect", address, String(port), String(timeout)],
        { timeoutMs: 10_000 }).status === 0;
}

function sshBanner(from: "attacker" | "client"): string {
    return fw[from].attempt(["python3", probe, "banner", publicV4, "22", "1.5"],
        { timeoutMs: 10_000 }).stdout.trim();
}

/** The table's rules and static sets; the meters' and traps' contents change with traffic. */
function table(): string {
    const list = (...args: string[]) => fw.server.exec(["nft", "-s", ...args]);
    const sets = ["trusted_ipv4", "trusted_ipv6", "allowed_tcp", "allowed_udp"]
        .map((set) => list("list", "set", "inet", "mailfort", set));
    return [fw.server.exec(["nft", "-t", "-s", "list", "table", "inet", "mailfort"]), ...sets]
        .join("\n");
}

function setHas(set: string, address: string): boolean {
    return fw.server.exec(["nft", "list", "set", "inet", "mailfort", set]).includes(address);
}

function flush(sets: string[]): void {
    for (const set of sets.flatMap((name) => [`${name}_ipv4`, `${name}_ipv6`])) {
        fw.server.exec(["nft", "flush", "set", "inet", "mailfort", set]);
    }
}

/** Forgets the trapped sources and every source's probes so far. */
function flushTraps(): void {
    flush(["scanners", "probed", "probes"]);
}

/** Test counters in a separate table, after mailfort's chain: what mailfort let through. */
function addCounter(ns: "server" | "container", name: string, hook: string, match: string[]) {
    const run = (...args: string[]) => fw[ns].exec(["nft", ...args]);
    if (fw[ns].attempt(["nft", "list", "table", "inet", "probe"]).status !== 0) {
        run("add", "table", "inet", "probe");
        run("add", "chain", "inet", "probe", hook,
            `{ type filter hook ${hook} priority 0; policy accept; }`);
    }
    run("add", "counter", "inet", "probe", name);
    run("add", "rule", "inet", "probe", hook, ...match, "counter", "name", name);
}

function counted(ns: "server" | "container", name: string): number {
    const text = fw[ns].exec(["nft", "list", "counter", "inet", "probe", name]);
    return Number(/packets (\d+)/.exec(text)?.[1] ?? Number.NaN);
}

/** Whether a process lives; a killed one may linger as a zombie until its reaper collects it. */
function running(pid: string): boolean {
    const file = `/proc/${pid}/stat`;
    const stat = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    return stat !== "" && !/^\d+ \(.*\) Z/.test(stat);
}

function startSshd(): void {
    const keys = path.join(fw.dir, "sshd");
    fs.mkdirSync(keys, { recursive: true });
    fw.server.exec(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", `${keys}/host_key`]);
    fs.writeFileSync(`${keys}/sshd_config`, [
        "ListenAddress 0.0.0.0", "ListenAddress ::", `HostKey ${keys}/host_key`,
        `PidFile ${keys}/sshd.pid`, "UsePAM no", "",
    ].join("\n"));
    // `ip netns exec` runs in its own mount namespace, so this /run is private to sshd.
    fw.server.start(["sh", "-c", "mount -t tmpfs tmpfs /run && mkdir -m 0755 /run/sshd && " +
        `exec /usr/sbin/sshd -D -e -f ${keys}/sshd_config`]);
}

beforeAll(async () => {
    requireTools({
        nft: "nftables", iptables: "iptables", ufw: "ufw", hping3: "hping3", nmap: "nmap",
        python3: "python3", sshd: "openssh-server", "ssh-keygen": "openssh-client",
        ping: "iputils-ping", shellcheck: "shellcheck",
    });
    fw = buildLab("mffw");
    fw.container.start(["python3", probe, "serve", "25", "465", "587", "993", "8080"]);
    fw.server.start(["python3", probe, "serve", String(hostService)]);
    startSshd();
    const up = await eventually(() => reaches("client", addresses.container.v4, 25)
        && reaches("client", publicV4, hostService)
        && sshBanner("client").startsWith("SSH-2.0"), 10_000);
    if (!up) throw new Error("lab services did not come up");
    ship();
});

// Most cases run synchronous commands for seconds; between cases the worker must get a turn of
// its event loop to answer vitest's progress calls, or those time out after a minute.
afterEach(() => new Promise((resolve) => setImmediate(resolve)));

afterAll(() => {
    fw?.lab.destroy();
    if (fw?.dir) fs.rmSync(fw.dir, { recursive: true, force: true });
});

describe("the shipped firewall files", () => {
    it("pass shellcheck and nft -c", () => {
        const script = path.join(fw.dir, "root/usr/local/sbin/mailfort-firewall");
        expect(fw.server.attempt(["shellcheck", script]).stdout).toBe("");
        const ruleset = path.join(fw.dir, "root/etc/mailfort/firewall/mailfort.nft");
        const check = fw.server.attempt(["nft", "-c", "-f", ruleset]);
        expect(check.stderr).toBe("");
        expect(check.status).toBe(0);
    });
});

describe("mailfort-firewall in a server that publishes ports like Docker", () => {
    it("closes a host service and a port published by mistake that were open before", () => {
        expect(reaches("client", publicV4, hostService)).toBe(true);
        expect(reaches("client", publicV4, 8080)).toBe(true);
        mustRun("apply");
        mustRun("confirm");
        expect(reaches("client", publicV4, hostService)).toBe(false);
        expect(reaches("client", publicV4, 8080)).toBe(false);

        // UFW alone guards the host's own service but not the published port...
        fw.server.exec(["nft", "delete", "table", "inet", "mailfort"]);
        expect(reaches("client", publicV4, 8080)).toBe(true);
        expect(reaches("client", publicV4, hostService)).toBe(false);

        // ...the table alone guards both.
        mustRun("apply");
        mustRun("confirm");
        fw.server.exec([...ufwArgs(fw.dir), "disable"]);
        try {
            expect(reaches("client", publicV4, hostService)).toBe(false);
            expect(reaches("client", publicV4, 8080)).toBe(false);
        } finally {
            fw.server.exec([...ufwArgs(fw.dir), "--force", "enable"]);
        }
        flushTraps();
    });

    it("filters every local address of the server, not only those in the stack config", () => {
        const serverOnClientLink = "192.0.2.65";
        for (const address of [unlistedV4, unlistedV6, serverOnClientLink]) {
            expect(reaches("client", address, 25), `${address} port 25`).toBe(true);
            expect(reaches("client", address, 8080), `${address} port 8080`).toBe(false);
            expect(reaches("client", address, hostService), `${address} ${hostService}`)
                .toBe(false);
        }
        flushTraps();

        // The rate limits hold on link-local addresses too.
        const linkLocal = `${serverLinkLocal(fw.server, "atk")}%v-srv`;
        const ping = fw.attacker.attempt(["ping", "-6", "-q", "-c", "100", "-i", "0.01", "-W",
            "1", linkLocal], { timeoutMs: 20_000 });
        const answered = Number(/(\d+) received/.exec(ping.stdout)?.[1] ?? Number.NaN);
        console.log(`ICMP echo flood to ${linkLocal}: 100 sent in ~1 s, ${answered} answered`);
        expect(answered).toBeGreaterThanOrEqual(limits.icmpEchoBurst);
        expect(answered).toBeLessThanOrEqual(limits.icmpEchoBurst + 2 * limits.icmpEchoRatePerSecond
            + 2);
    });

    it("leaves traffic from containers alone: probing closed host ports traps no container", () => {
        for (let port = hostService; port < hostService + limits.scanTrapProbes + 2; port++) {
            expect(reaches("container", publicV4, port, 0.3)).toBe(false);
        }
        expect(setHas("scanners_ipv4", addresses.container.v4)).toBe(false);
        expect(reaches("container", publicV4, 22)).toBe(true);
    });

    it("lets the mail ports and SSH through, nothing else, on IPv4 and IPv6", () => {
        for (const port of [25, 465, 587, 993]) {
            expect(reaches("client", publicV4, port), `IPv4 port ${port}`).toBe(true);
            expect(reaches("client", publicV6, port), `IPv6 port ${port}`).toBe(true);
        }
        expect(sshBanner("client")).toMatch(/^SSH-2\.0-OpenSSH/);
        expect(reaches("client", publicV6, 22)).toBe(true);
        expect(reaches("client", publicV6, 8080)).toBe(false);
        expect(reaches("client", publicV4, hostService)).toBe(false);
        flushTraps();
    });

    it("shows the guide's UFW setup in ufw status verbose, and where SSH is limited", () => {
        const status = fw.server.exec([...ufwArgs(fw.dir), "status", "verbose"]);
        console.log(status);
        expect(status).toContain("Status: active");
        expect(status).toContain("Default: deny (incoming), allow (outgoing)");
        const limited = "# mailfort: limited per source in nft table inet mailfort";
        expect(status).toMatch(new RegExp(`^22/tcp\\s+ALLOW IN\\s+Anywhere\\s+${limited}$`, "m"));
        expect(status).toMatch(new RegExp(`^22/tcp \\(v6\\)\\s+ALLOW IN\\s+Anywhere \\(v6\\)\\s+` +
            `${limited}$`, "m"));
        expect(status).not.toContain("LIMIT");
        for (const port of [25, 465, 587, 993]) {
            expect(status).toMatch(new RegExp(`${port}/tcp\\s+ALLOW IN\\s+Anywhere\\s+# mailfort$`,
                "m"));
        }
    });

    it("replaces the ufw limit and trusted-network rules of an earlier mailfort", () => {
        const ufw = (...args: string[]) => fw.server.exec([...ufwArgs(fw.dir), ...args]);
        ufw("--force", "delete", "allow", "22/tcp");
        ufw("limit", "22/tcp", "comment", "mailfort");
        ufw("allow", "from", "198.51.100.0/24", "to", "any", "port", "22", "proto", "tcp",
            "comment", "mailfort");
        ufw("allow", "2600/tcp", "comment", "added by hand");
        mustRun("apply");
        mustRun("confirm");
        const rules = ufw("show", "added");
        expect(rules).toContain("ufw allow 22/tcp comment 'mailfort: limited per source");
        expect(rules).not.toContain("limit 22/tcp");
        expect(rules).not.toContain("198.51.100.0/24");
        expect(rules).toContain("ufw allow 2600/tcp comment 'added by hand'");
        ufw("--force", "delete", "allow", "2600/tcp");
    });

    it("changes nothing when applied twice", () => {
        // iptables-save stamps its output with the time; the rules are what must not change.
        const iptables = () => fw.server.exec(["iptables-save"]).replace(/^#.*\n/gm, "");
        const before = { nft: table(), iptables: iptables() };
        const log = mustRun("apply");
        expect(log).toContain("nothing to do");
        expect(table()).toBe(before.nft);
        expect(iptables()).toBe(before.iptables);
        expect(fs.existsSync(path.join(fw.dir, "state/pending"))).toBe(false);
    });

    it("keeps its protections and Fail2Ban's bans across ufw reload and a Docker restart", () => {
        const ban = fail2banBan("sshd", 22, addresses.attacker.v4);
        fw.server.exec(["nft", "-f", "-"], { input: ban });
        const bans = () => fw.server.exec(["nft", "-t", "list", "table", "inet", "mailfort-f2b"]);
        const banned = () => fw.server.exec(["nft", "list", "set", "inet", "mailfort-f2b",
            "f2b-sshd-ip4"]).includes(addresses.attacker.v4);
        const holds = () => {
            expect(reaches("client", publicV4, 25)).toBe(true);
            expect(reaches("client", publicV4, 8080)).toBe(false);
            expect(reaches("client", publicV4, hostService)).toBe(false);
            expect(reaches("attacker", publicV4, 22)).toBe(false);
            expect(reaches("attacker", publicV4, 25)).toBe(true);
        };
        try {
            const before = { mailfort: table(), fail2ban: bans() };
            // -110: after mailfort's chain, before Docker's DNAT.
            expect(before.fail2ban).toContain("hook prerouting priority dstnat - 10;");
            holds();

            fw.server.exec([...ufwArgs(fw.dir), "reload"]);
            expect({ mailfort: table(), fail2ban: bans() }).toEqual(before);
            expect(banned()).toBe(true);
            holds();

            restartDocker(fw.server);
            expect({ mailfort: table(), fail2ban: bans() }).toEqual(before);
            expect(banned()).toBe(true);
            holds();
        } finally {
            fw.server.attempt(["nft", "delete", "table", "inet", "mailfort-f2b"]);
            flushTraps();
        }
    });

    it("lets a deployment's burst of SSH connections in, then slows the source down", () => {
        flush(["ssh_meter"]);
        // Paced below the SYN rate limit: this is about the SSH budget alone.
        const repeat = (count: number, pause: string, timeout: string) => Number(fw.client.exec([
            "python3", probe, "repeat", publicV4, "22", String(count), pause, timeout,
        ], { timeoutMs: 60_000 }).trim());
        const started = Date.now();
        const inBurst = repeat(limits.sshBurst, "0.07", "1.5");
        const beyond = repeat(10, "0", "0.5");
        const seconds = (Date.now() - started) / 1000;
        console.log(`SSH: ${inBurst} of ${limits.sshBurst} connections in the burst, then ` +
            `${beyond} of 10 within ${seconds.toFixed(1)} s`);
        // `ufw limit` would have refused the 7th connection within 30 seconds.
        expect(inBurst).toBe(limits.sshBurst);
        expect(beyond).toBeLessThanOrEqual(1 + Math.ceil(seconds * limits.sshRatePerMinute / 60));
        flush(["ssh_meter"]);
        expect(sshBanner("client")).toMatch(/^SSH-2\.0/);
    });

    it("traps after several distinct closed ports, not for a mail client's auto-setup", () => {
        flushTraps();
        // Auto-setup asks for IMAP, POP3 and POP3S, each left unanswered long enough for the
        // kernel to retransmit the SYN, and asks for two of them again.
        for (const port of [143, 110, 995, 143, 110]) {
            expect(reaches("client", publicV4, port, 1.2), `port ${port}`).toBe(false);
        }
        expect(reaches("client", publicV4, 993)).toBe(true);
        expect(setHas("scanners_ipv4", addresses.client.v4)).toBe(false);

        // Distinct closed ports 4 and 5: the fifth is the one that traps.
        expect(reaches("client", publicV4, 4190, 0.3)).toBe(false);
        expect(reaches("client", publicV4, 993)).toBe(true);
        expect(reaches("client", publicV4, 2525, 0.3)).toBe(false);
        expect(setHas("scanners_ipv4", addresses.client.v4)).toBe(true);
        expect(reaches("client", publicV4, 993)).toBe(false);
        flushTraps();
    });

    it("cuts a SYN flood to the per-source rate while the client still connects", async () => {
        addCounter("container", "attacker_syn", "input",
            ["ip", "saddr", addresses.attacker.v4, "tcp", "flags", "syn", "/", "syn,ack"]);
        const flood = fw.attacker.start(["hping3", "-q", "-S", "-p", "25", "-c", "1500",
            "-i", "u1000", publicV4]);
        const started = Date.now();
        await new Promise((resolve) => setTimeout(resolve, 300));
        const clientOk = [0, 1, 2, 3, 4].filter(() => reaches("client", publicV4, 25, 1));
        const stillFlooding = flood.exitCode === null;
        expect(await eventually(() => flood.exitCode !== null, 15_000)).toBe(true);
        const seconds = (Date.now() - started) / 1000;
        const passed = counted("container", "attacker_syn");
        console.log(`SYN flood: 1500 sent in ${seconds.toFixed(1)} s, ${passed} reached port 25`);
        expect(stillFlooding).toBe(true);
        expect(clientOk).toHaveLength(5);
        expect(passed).toBeGreaterThanOrEqual(limits.synBurst);
        expect(passed).toBeLessThanOrEqual(synBudget(seconds));
    });

    it("cuts an IPv6 SYN flood the same way", () => {
        addCounter("container", "attacker_syn6", "input",
            ["ip6", "saddr", addresses.attacker.v6, "tcp", "flags", "syn", "/", "syn,ack"]);
        const started = Date.now();
        fw.attacker.exec(["python3", probe, "syn6", publicV6, "25", "600", "0.001"],
            { timeoutMs: 20_000 });
        const seconds = (Date.now() - started) / 1000;
        const passed = counted("container", "attacker_syn6");
        console.log(`IPv6 SYN flood: 600 sent in ${seconds.toFixed(1)} s, ${passed} reached 25`);
        expect(passed).toBeGreaterThanOrEqual(limits.synBurst);
        expect(passed).toBeLessThanOrEqual(synBudget(seconds));
    });

    it("limits concurrent connections per source, not for everyone", async () => {
        await new Promise((resolve) => setTimeout(resolve, 2000));
        const holder = fw.attacker.start(["python3", probe, "hold", publicV4, "25", "15", "0.1",
            "1"]);
        let held = "";
        holder.stdout?.on("data", (chunk: Buffer) => { held += chunk.toString(); });
        // While the attacker holds its connections, the client gets in.
        await new Promise((resolve) => setTimeout(resolve, 2500));
        const clientGetsIn = reaches("client", publicV4, 25);
        await eventually(() => holder.exitCode !== null, 15_000);
        console.log(`concurrent connections held by one source: ${held.trim()} of 15`);
        expect(Number(held.trim())).toBe(limits.concurrentConnectionsPerSource);
        expect(clientGetsIn).toBe(true);
    });

    it("traps an nmap scanner until the timeout, on every port, and not the client", async () => {
        const scan = (...target: string[]) => fw.attacker.exec(["nmap", "-Pn", "-n", "-sS", "-T5",
            "--max-retries", "0", "--max-rtt-timeout", "200ms", "--host-timeout", "20s",
            "-p", "20-30,440-470,580-600,990-995,8000-8100", ...target], { timeoutMs: 30_000 });
        const started = Date.now();
        scan(publicV4);
        console.log(`nmap scan of 170 ports took ${((Date.now() - started) / 1000).toFixed(1)} s`);
        expect(setHas("scanners_ipv4", addresses.attacker.v4)).toBe(true);
        expect(reaches("attacker", publicV4, 25)).toBe(false);
        scan("-6", publicV6);
        // IPv6 scanners are trapped by /64: the attacker's whole prefix, not one address.
        expect(setHas("scanners_ipv6", "2001:db8:a::")).toBe(true);
        expect(reaches("attacker", publicV6, 993)).toBe(false);
        expect(reaches("client", publicV4, 25)).toBe(true);
        expect(setHas("scanners_ipv4", addresses.client.v4)).toBe(false);

        const wait = (limits.scanTrapTimeoutSeconds + 8) * 1000;
        const released = (address: string) =>
            eventually(() => reaches("attacker", address, 25, 0.5), wait);
        expect(await released(publicV4)).toBe(true);
        expect(await released(publicV6)).toBe(true);
    });

    it("limits ICMP echo floods and passes fragmentation-needed and packet-too-big", () => {
        const echo = (from: "attacker" | "client", family: string, count: number, gap: string) => {
            const target = family === "-6" ? publicV6 : publicV4;
            const ping = fw[from].attempt(["ping", family, "-q", "-c", String(count), "-i", gap,
                "-W", "1", target], { timeoutMs: 20_000 });
            return Number(/(\d+) received/.exec(ping.stdout)?.[1] ?? Number.NaN);
        };
        const echoBudget = limits.icmpEchoBurst + 2 * limits.icmpEchoRatePerSecond + 2;
        for (const family of ["-4", "-6"]) {
            const answered = echo("attacker", family, 100, "0.01");
            console.log(`ICMP echo flood ${family}: 100 sent in ~1 s, ${answered} answered`);
            expect(answered).toBeGreaterThanOrEqual(limits.icmpEchoBurst);
            expect(answered).toBeLessThanOrEqual(echoBudget);
            expect(echo("client", family, 3, "0.3")).toBe(3);
        }

        addCounter("server", "frag_needed", "prerouting",
            ["icmp", "type", "destination-unreachable", "icmp", "code", "frag-needed"]);
        addCounter("server", "too_big", "prerouting", ["icmpv6", "type", "packet-too-big"]);
        // hping3 exits 1 because nothing answers an ICMP error; what counts is what it sent.
        const sent = fw.attacker.attempt(["hping3", "-q", "--icmp", "--icmptype", "3",
            "--icmpcode", "4", "-c", "50", "-i", "u2000", publicV4], { timeoutMs: 20_000 });
        expect(`${sent.stdout}${sent.stderr}`).toContain("50 packets transmitted");
        fw.attacker.exec(["python3", probe, "ptb6", publicV6, "50"]);
        expect(counted("server", "frag_needed")).toBe(50);
        expect(counted("server", "too_big")).toBe(50);
    });
});

describe("the lockout guard", () => {
    it("restores the previous rules by itself when an apply locks SSH out", async () => {
        ship(22);
        mustRun("apply");
        mustRun("confirm");
        flushTraps();
        const good = table();
        expect(sshBanner("client")).toMatch(/^SSH-2\.0/);

        // The operator moves SSH to 2222 in the stack config before moving sshd.
        ship(2222);
        const appliedAt = Date.now();
        mustRun("apply");
        expect(table()).not.toBe(good);
        expect(sshBanner("client")).toBe("");

        const back = await eventually(() => sshBanner("client").startsWith("SSH-2.0"),
            (limits.rollbackTimeoutSeconds + 15) * 1000);
        const seconds = (Date.now() - appliedAt) / 1000;
        console.log(`lockout guard: SSH reachable again ${seconds.toFixed(1)} s after the bad ` +
            `apply started (rollback timeout ${limits.rollbackTimeoutSeconds} s)`);
        expect(back).toBe(true);
        const log = () => fs.readFileSync(path.join(fw.dir, "security.log"), "utf8");
        const restored = await eventually(() => log().includes("previous rules restored"), 15_000);
        expect(restored).toBe(true);
        expect(table()).toBe(good);
        const ufwRules = fw.server.exec([...ufwArgs(fw.dir), "show", "added"]);
        expect(ufwRules).toContain("ufw allow 22/tcp comment 'mailfort: limited per source");

        // Pulumi's confirm, arriving late, must not report the rolled-back change as applied:
        // it applies the change again and fails, for the next deployment to confirm.
        const late = firewall("confirm");
        expect(late.status).not.toBe(0);
        expect(late.stderr).toContain("applied it again (attempt 1)");
        expect(sshBanner("client")).toBe("");
        // The operator, told, rolls back by hand; that also stops the new timer.
        const timer = fs.readFileSync(path.join(fw.dir, "state/rollback.pid"), "utf8").trim();
        mustRun("rollback");
        expect(await eventually(() => !running(timer), 5_000)).toBe(true);
        expect(table()).toBe(good);
        expect(sshBanner("client")).toMatch(/^SSH-2\.0/);
    });

    it("recovers from a missed confirm: the next confirm applies again, the one after keeps it",
        async () => {
        ship(22, [{ name: "alt-submission", port: 2525 }]);
        mustRun("apply");
        const applied = table();
        // The confirm connection failed for a passing reason; the timer rolled the change back.
        mustRun("rollback");
        expect(table()).not.toBe(applied);

        // Next `pulumi up`: apply is skipped (nothing rendered changed), the failed confirm runs.
        const again = firewall("confirm");
        expect(again.status).toBe(1);
        expect(again.stderr).toMatch(new RegExp("rolled back at \\S+ before a new SSH connection " +
            "confirmed it; applied it again \\(attempt 1\\)"));
        expect(table()).toBe(applied);
        expect(fs.existsSync(path.join(fw.dir, "state/pending"))).toBe(true);
        const timer = fs.readFileSync(path.join(fw.dir, "state/rollback.pid"), "utf8").trim();
        expect(running(timer)).toBe(true);

        // The `pulumi up` after that confirms over a new connection, and the change stays.
        expect(sshBanner("client")).toMatch(/^SSH-2\.0/);
        mustRun("confirm");
        expect(await eventually(() => !running(timer), 5_000)).toBe(true);
        expect(fs.existsSync(path.join(fw.dir, "state/pending"))).toBe(false);
        expect(firewall("confirm").stderr).toContain("nothing pending to confirm");
        expect(table()).toBe(applied);
        expect(setHas("allowed_tcp", '2525 comment "alt-submission"')).toBe(true);
    });

    it("keeps the new rules once a new connection confirms them", async () => {
        ship(22, [{ name: "alt-submission", port: 2526 }]);
        mustRun("apply");
        const timer = fs.readFileSync(path.join(fw.dir, "state/rollback.pid"), "utf8").trim();
        expect(running(timer)).toBe(true);
        mustRun("confirm");
        expect(await eventually(() => !running(timer), 5_000)).toBe(true);
        expect(fs.existsSync(path.join(fw.dir, "state/pending"))).toBe(false);
        expect(setHas("allowed_tcp", '2526 comment "alt-submission"')).toBe(true);
        expect(fw.server.exec([...ufwArgs(fw.dir), "show", "added"])).toContain("allow 2526/tcp");
        expect(sshBanner("client")).toMatch(/^SSH-2\.0/);
    });
});
