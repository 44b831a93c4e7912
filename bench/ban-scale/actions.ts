/**
 * The two ban actions side by side, as the server namespace sees them: mailfort's nftables set
 * (`action.d/mailfort-nftables.conf`, table `inet mailfort-f2b`, chain at prerouting) and
 * Fail2Ban's stock `iptables-multiport` with `chain=DOCKER-USER`, the only place its per-address
 * rules see a Docker-published port. Each offers the same operations: load many bans in one
 * batch, run the action's own ban command once per address, count and flush.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import type { Namespace } from "../../test/support/netns";

/** Ban length of the benchmark's jails; nothing may expire while the benchmark runs. */
export const banSeconds = 86_400;

export interface BanAction {
    /** Short name in figure labels. */
    label: string;
    /** The Fail2Ban jail that runs this action. */
    jail: string;
    /** How `bulkLoad` loads, for the figure label. */
    batchTool: string;
    /** Loads the bans in one batch; returns the seconds it took. */
    bulkLoad(addresses: string[]): number;
    /** Runs the action's `actionban` command once per address, one process each; seconds. */
    commandSample(addresses: string[]): number;
    /** How many addresses the kernel currently bans for this jail. */
    count(): number;
    /** Lifts every ban, leaving the structures `actionstart` made. */
    flush(): void;
}

/** Runs a shell script inside the namespace and returns its wall time in seconds. */
function timed(ns: Namespace, script: string, timeoutMs = 300_000): number {
    const started = process.hrtime.bigint();
    const result = ns.attempt(["bash", "-c", script], { timeoutMs });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.status !== 0) throw new Error(`${script.slice(0, 200)}: ${result.stderr}`);
    return seconds;
}

/**
 * How often `marker` occurs in what `command` prints, counted in the namespace: a listing of
 * 50,000 bans is more than Node buffers from a child.
 */
function countIn(ns: Namespace, command: string, marker: string): number {
    const script = `set -o pipefail; ${command} | { grep -oF -- '${marker}' || true; } | wc -l`;
    return Number(ns.exec(["bash", "-c", script], { timeoutMs: 120_000 }).trim());
}

/**
 * The `actionban` line of an action file with its tags filled in, as Fail2Ban would run it:
 * `%(name)s` from the same file, `<tag>` from `tags`. Only what these two actions use; a tag
 * left over means the file changed and the benchmark must follow.
 */
export function actionban(file: string, tags: Record<string, string>): (ip: string) => string {
    const text = fs.readFileSync(file, "utf8");
    const option = (name: string) => {
        const match = new RegExp(`^${name}\\s*=\\s*(.*)$`, "m").exec(text);
        if (!match?.[1]) throw new Error(`${file} has no single-line ${name}`);
        return match[1].trim();
    };
    const line = option("actionban").replace(/%\((\w+)\)s/g, (_, name: string) => option(name));
    return (ip) => {
        const command = line.replace(/<([\w-]+)>/g, (whole, tag: string) =>
            tag === "ip" ? ip : tags[tag] ?? whole);
        if (/<[\w-]+>/.test(command)) throw new Error(`${file}: unfilled tag in ${command}`);
        return command;
    };
}

function loopScript(command: (address: string) => string, addresses: string[]): string {
    return ["set -e", ...addresses.map(command)].join("\n");
}

/** mailfort-nftables with the tags the rendered jail gives it (family inet6). */
export function mailfortAction(ns: Namespace, dir: string, confDir: string, jail: string):
    BanAction {
    const set = `inet mailfort-f2b f2b-${jail}-ip6`;
    const ban = actionban(path.join(confDir, "action.d", "mailfort-nftables.conf"), {
        nftables: "nft", table_family: "inet", table: "mailfort-f2b", set: `f2b-${jail}-ip6`,
        bantime: String(banSeconds),
    });
    return {
        label: "mailfort",
        jail,
        batchTool: "nft -f",
        bulkLoad: (addresses) => {
            // actionban's `add element`, one transaction for all elements.
            const file = path.join(dir, "bulk.nft");
            const elements = addresses.map((a) => `${a} timeout ${banSeconds}s`).join(",\n");
            fs.writeFileSync(file, `add element ${set} {\n${elements}\n}\n`);
            return timed(ns, `nft -f ${file}`);
        },
        commandSample: (addresses) => timed(ns, loopScript(ban, addresses)),
        count: () => countIn(ns, `nft list set ${set}`, " expires "),
        flush: () => void ns.exec(["nft", "flush", "set", ...set.split(" ")]),
    };
}

/** iptables-multiport[chain=DOCKER-USER] with the tags of its `[Init?family=inet6]`. */
export function stockAction(ns: Namespace, dir: string, confDir: string, jail: string):
    BanAction {
    const chain = `f2b-${jail}`;
    const reject = "REJECT --reject-with icmp6-port-unreachable";
    // iptables-multiport takes actionban from the iptables.conf it includes.
    const ban = actionban(path.join(confDir, "action.d", "iptables.conf"), {
        iptables: "ip6tables -w", name: jail, blocktype: reject,
    });
    return {
        label: "stock",
        jail,
        batchTool: "ip6tables-restore",
        bulkLoad: (addresses) => {
            // Inserted at the top like actionban: appended rules would sit behind the chain's
            // RETURN and never be evaluated, which would make the stock action look free.
            const file = path.join(dir, "bulk.rules");
            const rules = addresses.map((a) => `-I ${chain} 1 -s ${a} -j ${reject}`);
            fs.writeFileSync(file, ["*filter", ...rules, "COMMIT", ""].join("\n"));
            return timed(ns, `ip6tables-restore -w --noflush < ${file}`);
        },
        commandSample: (addresses) => timed(ns, loopScript(ban, addresses)),
        count: () => countIn(ns, `ip6tables -w -S ${chain}`, " -s "),
        flush: () => {
            // actionflush empties the chain, RETURN included; actionstart's RETURN is put back so
            // the next size starts from the state a fresh jail has.
            ns.exec(["ip6tables", "-w", "-F", chain]);
            ns.exec(["ip6tables", "-w", "-A", chain, "-j", "RETURN"]);
        },
    };
}
