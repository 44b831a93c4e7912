/**
 * The Fail2Ban renderers and component: config validation, jail.local as Fail2Ban itself reads
 * it (`fail2ban-client -t` on the rendered files), shellcheck on the apply script, and the files
 * the component ships under Pulumi's mock runtime.
 */
import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

import {
    applyCommand,
    Fail2Ban,
    fail2banFiles,
    ignoreIps,
    jailsFor,
    mailLogTimezone,
    renderDropIn,
    staticFiles,
} from "../../components/fail2ban";
import { parseInstallCommand } from "../../components/host";
import { ConfigError } from "../../config";
import { PreviewMocks } from "../../preview/mocks";
import { requireTools, run } from "../support/system";
import { repoRoot, stack } from "./fixture";
import { prepareServer } from "./server";

const guideJails = ["sshd", "postfix", "dovecot", "postfix-helo",
    "postfix-mx-abuse", "postfix-rate-limit", "postfix-mail-bombing", "nginx-http-auth",
    "nginx-botsearch", "nginx-limit-req", "recidive"];

function problems(fail2ban: unknown): string[] {
    try {
        stack({ fail2ban });
    } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        return error.problems.map((p) => `${p.key} ${p.message}`);
    }
    return [];
}

describe("fail2ban config", () => {
    it("defaults to the hardened thresholds", () => {
        const f2b = stack().fail2ban;
        expect([f2b.maxretry, f2b.findtime, f2b.bantime]).toEqual([5, "10m", "1h"]);
        expect(f2b.increment).toEqual({
            enabled: true, factor: 1, maxtime: "4w", overalljails: true,
        });
        expect(f2b.recidive).toEqual({
            enabled: true, maxretry: 3, findtime: "1d", bantime: "1w",
        });
        expect(f2b.jails.dovecot.maxretry).toBe(3);
        expect(f2b.sshdLog).toBe("journal");
    });

    it("keeps a jail's own default when the operator overrides another threshold", () => {
        const f2b = stack({ fail2ban: { jails: { dovecot: { bantime: "2h" } } } }).fail2ban;
        expect(f2b.jails.dovecot).toEqual({ enabled: true, maxretry: 3, bantime: "2h" });
    });

    it("names the key, the value and what would be valid", () => {
        expect(problems({ maxretry: 0 }).join()).toMatch(/fail2ban\.maxretry .*at least 1/);
        expect(problems({ findtime: "10 minutes" }).join()).toMatch(/findtime .*such as 30s/);
        expect(problems({ bantime: "1d", increment: { maxtime: "1h" } }).join())
            .toMatch(/fail2ban\.increment\.maxtime must be at least bantime \(1d\)/);
        expect(problems({ recidive: { bantime: "1h" } }).join())
            .toMatch(/fail2ban\.recidive\.bantime must be longer than bantime/);
        expect(problems({ jails: { postfx: {} } }).join()).toMatch(/unknown key\(s\) postfx/);
        expect(problems({ sshdLog: "syslog" }).join()).toMatch(/journal.*auth\.log/);
    });
});

describe("fail2ban renderers", () => {
    it("renders the jails under the names the guide uses", () => {
        const jails = jailsFor(stack(), 22);
        expect(jails.map((j) => j.name)).toEqual(guideJails);
        expect(jails.every((j) => j.enabled)).toBe(true);
    });

    it("counts SASL failures in the postfix jail, so `set postfix unbanip` frees the user", () => {
        const jails = jailsFor(stack(), 22);
        expect(jails.find((j) => j.name === "postfix")?.filter).toBe("postfix[mode=extra]");
        // No second jail reads SASL failures: an unban in `postfix` would leave that ban.
        const upstreamPostfix = jails.filter((j) => j.filter.startsWith("postfix["));
        expect(upstreamPostfix.map((j) => j.name)).toEqual(["postfix"]);
    });

    it("gives the mail jails the container's zone as a fixed offset, or none", () => {
        const zoneOf = (timezone: string) => {
            const jails = jailsFor(stack({ mail: { timezone } }), 22);
            const mail = jails.filter((j) => j.containerLog);
            expect(mail.map((j) => j.name)).toContain("postfix");
            const zones = new Set(mail.map((j) => j.logtimezone));
            expect(zones.size, timezone).toBe(1);
            // Host logs (sshd, nginx, Fail2Ban's own) are in host time: no logtimezone.
            expect(jails.filter((j) => !j.containerLog).map((j) => j.logtimezone))
                .toEqual(jails.filter((j) => !j.containerLog).map(() => undefined));
            return [...zones][0];
        };
        expect(zoneOf("UTC")).toBe("UTC");
        expect(zoneOf("Asia/Tokyo")).toBe("UTC+0900");
        expect(zoneOf("Asia/Kolkata")).toBe("UTC+0530");
        expect(zoneOf("America/Caracas")).toBe("UTC-0400");
        // Daylight saving time: no fixed offset fits all year.
        expect(zoneOf("Europe/Berlin")).toBeUndefined();
        expect(zoneOf("Australia/Sydney")).toBeUndefined();
    });

    it("renders logtimezone only where a fixed offset fits, never a zone name", () => {
        const section = (timezone: string, jail: string) => {
            const config = stack({ mail: { timezone } });
            const text = fileText(fail2banFiles(config.hosts[0]!, config), "/jail.local");
            return text.split("\n\n").find((part) => part.startsWith(`[${jail}]`)) ?? "";
        };
        expect(section("Asia/Tokyo", "postfix")).toContain("\nlogtimezone = UTC+0900\n");
        expect(section("Asia/Tokyo", "dovecot")).toContain("\nlogtimezone = UTC+0900\n");
        expect(section("Asia/Tokyo", "recidive")).not.toContain("logtimezone");
        expect(section("Europe/Berlin", "postfix")).not.toContain("logtimezone");
        expect(section("Etc/UTC", "postfix")).toContain("\nlogtimezone = UTC\n");
    });

    it("names mail.timezone when the zone is unknown", () => {
        expect(() => mailLogTimezone("Mars/Olympus_Mons")).toThrow(
            /mailfort:mail\.timezone "Mars\/Olympus_Mons" is not a time zone/,
        );
    });

    it("disables the nginx jails without the web endpoint", () => {
        const jails = jailsFor(stack({ services: { mtaSts: false } }), 22);
        const off = jails.filter((j) => !j.enabled).map((j) => j.name);
        expect(off).toEqual(["nginx-http-auth", "nginx-botsearch", "nginx-limit-req"]);
    });

    it("bans the sshd jail's offenders on every port sshd listens on while SSH moves", () => {
        const sshd = stack().sshd;
        const moving = stack({ sshd: { ...sshd, extraPorts: [2202] } });
        const jailLocal = fileText(fail2banFiles(moving.hosts[0]!, moving), "/jail.local");
        const sshdSection = jailLocal.split("\n\n").find((part) => part.startsWith("[sshd]"));
        expect(sshdSection).toContain("\nport = 22,2202\n");
        const unhardened = stack({ sshd: { ...sshd, extraPorts: [2202] },
            services: { sshHardening: false } });
        expect(jailsFor(unhardened, 22)[0]!.ports).toEqual([22]);
    });

    it("allow-lists loopback and the trusted networks, and refuses a bad network", () => {
        const config = stack({ trustedNetworks: ["198.51.100.0/24", "2001:db8::/48"] });
        const jailLocal = fileText(fail2banFiles(config.hosts[0]!, config), "/jail.local");
        expect(jailLocal).toContain("ignoreip = 127.0.0.1/8 ::1 198.51.100.0/24 2001:db8::/48");
        // The config refuses it first; the renderer would too (ignoreIps), should one slip by.
        expect(() => stack({ trustedNetworks: ["198.51.100.0/33"] })).toThrow(
            /trustedNetworks\[0\]/,
        );
        expect(() => ignoreIps({ ...config, trustedNetworks: ["198.51.100.0/33"] })).toThrow(
            /trustedNetworks\[0\]/,
        );
    });

    it("ships the repo's filters and action unchanged, the drop-in and the apply script", () => {
        const config = stack();
        const files = fail2banFiles(config.hosts[0]!, config);
        for (const file of staticFiles()) {
            expect(fileText(files, `/etc/fail2ban/${file.relative}`)).toBe(file.content);
        }
        expect(files.map((f) => f.path)).toEqual(expect.arrayContaining([
            "/etc/fail2ban/jail.local",
            "/etc/fail2ban/fail2ban.d/mailfort.local",
            "/etc/systemd/system/fail2ban.service.d/mailfort.conf",
            "/usr/local/sbin/mailfort-fail2ban-apply",
        ]));
        expect(renderDropIn()).toMatch(/^\[Unit\]\nAfter=docker\.service$/m);
        expect(fileText(files, "/fail2ban.d/mailfort.local")).toContain("dbpurgeage = 2419200");
    });

    it("shellcheck passes on the apply script", () => {
        requireTools({ shellcheck: "shellcheck" });
        run("shellcheck", [path.join(repoRoot, "components/fail2ban/mailfort-fail2ban-apply.sh")]);
    });

    const variants = {
        "default (sshd from the journal)": {},
        "sshd from auth.log, no web endpoint": {
            fail2ban: { sshdLog: "auth.log" }, services: { mtaSts: false },
        },
        "tuned thresholds": {
            fail2ban: { maxretry: 2, increment: { enabled: false }, recidive: { enabled: false } },
        },
        "container in Asia/Kolkata (UTC+0530)": { mail: { timezone: "Asia/Kolkata" } },
        "container in Europe/Berlin (no logtimezone)": { mail: { timezone: "Europe/Berlin" } },
    };
    for (const [label, changes] of Object.entries(variants)) {
        it(`fail2ban-client -t accepts the rendered config: ${label}`, () => {
            requireTools({ "fail2ban-client": "fail2ban" });
            const config = stack(changes);
            const prepared = prepareServer(config.hosts[0]!, config, "mff2b-render");
            try {
                for (const log of Object.values(prepared.paths)) {
                    fs.mkdirSync(path.dirname(log), { recursive: true });
                    fs.writeFileSync(log, "");
                }
                const out = run("fail2ban-client", ["-c", prepared.confDir, "-t"]);
                expect(out).toContain("OK: configuration test is successful");
            } finally {
                fs.rmSync(prepared.dir, { recursive: true, force: true });
                fs.rmSync(prepared.confDir, { recursive: true, force: true });
            }
        });
    }
});

describe("the Fail2Ban component", () => {
    it("ships every file through HostFiles and applies them only on change", async () => {
        const mocks = new PreviewMocks();
        await pulumi.runtime.setMocks(mocks, "mailfort", "test", true);
        const config = stack();
        const host = config.hosts[0]!;
        new Fail2Ban("mx1-fail2ban", {
            connection: { host: host.ipv4, user: "deploy" }, host, config,
        });
        for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));

        const commands = mocks.recorded.filter((r) => r.type === "command:remote:Command");
        const shipped = commands.map((c) => parseInstallCommand(String(c.inputs.create))?.path);
        const expected = fail2banFiles(host, config).map((f) => f.path);
        expect(shipped.filter(Boolean).sort()).toEqual([...expected].sort());

        const onChange = commands.find((c) => c.name === "mx1-fail2ban-files-on-change");
        expect(onChange?.inputs.create).toBe(applyCommand(host, config));
        expect(onChange?.inputs.create).toBe("sudo /usr/local/sbin/mailfort-fail2ban-apply " +
            "/var/log/fail2ban.log /var/log/mailfort-nginx/access.log " +
            "/var/log/mailfort-nginx/error.log /var/log/mailserver/mail.log");
        // Nothing here may depend on (or re-create) the mail container.
        expect(mocks.recorded.filter((r) => r.type.startsWith("docker:"))).toEqual([]);
    });
});

function fileText(files: { path: string; content: unknown }[], suffix: string): string {
    const file = files.find((f) => f.path.endsWith(suffix));
    if (!file) throw new Error(`no rendered file ends with ${suffix}`);
    return String(file.content);
}
