/**
 * The baseline renderings read back by the tools that consume them: apt's own parser for the
 * unattended-upgrades files, JSON and IPv6 checks for daemon.json, and the real baseline script
 * setting the host name inside a UTS namespace of its own.
 */
import { isIPv6 } from "node:net";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

import {
    baselineFiles,
    renderAutoUpgrades,
    renderBaselineConf,
    renderDaemonJson,
    renderUnattendedUpgrades,
    ulaFor,
} from "../../components/baseline";
import { baselineSchema } from "../../config/sections/baseline";
import { requireTools, run } from "../support/system";
import { stack } from "../sshd/fixture";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "mfssh-baseline-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

// What Ubuntu's unattended-upgrades package ships in 50unattended-upgrades (abridged).
const ubuntuDefaults = `Unattended-Upgrade::Allowed-Origins {
        "\${distro_id}:\${distro_codename}";
        "\${distro_id}:\${distro_codename}-security";
        "\${distro_id}ESMApps:\${distro_codename}-apps-security";
};
Unattended-Upgrade::Package-Blacklist {
};
//Unattended-Upgrade::Mail "";
`;

/** `apt-config dump` over the rendered files, with apt's parts dir pointed at a temp folder. */
function aptDump(name: string, settings: Record<string, unknown>): Map<string, string[]> {
    requireTools({ "apt-config": "apt" });
    const dir = path.join(root, name);
    const parts = path.join(dir, "apt.conf.d");
    fs.mkdirSync(parts, { recursive: true });
    const config = stack({ baseline: settings });
    fs.writeFileSync(path.join(parts, "50unattended-upgrades"), ubuntuDefaults);
    fs.writeFileSync(path.join(parts, "52mailfort-unattended-upgrades"),
        renderUnattendedUpgrades(config));
    fs.writeFileSync(path.join(parts, "20auto-upgrades"), renderAutoUpgrades());
    const main = path.join(dir, "apt.conf");
    fs.writeFileSync(main, `Dir::Etc::parts "${parts}";\nDir::Etc::main "/dev/null";\n`);
    const out = run("env", [`APT_CONFIG=${main}`, "apt-config", "dump"]);
    const values = new Map<string, string[]>();
    for (const line of out.split("\n")) {
        const match = /^(\S+?)(::)? "(.*)";$/.exec(line);
        if (!match || match[3] === "") continue;
        values.set(match[1]!, [...(values.get(match[1]!) ?? []), match[3]!]);
    }
    return values;
}

describe("unattended-upgrades configuration, as apt parses it", () => {
    it("replaces Ubuntu's origins with the security pockets and reports to the admin", () => {
        const apt = aptDump("defaults", {});
        expect(apt.get("Unattended-Upgrade::Allowed-Origins")).toBeUndefined();
        expect(apt.get("Unattended-Upgrade::Origins-Pattern")).toEqual([
            "origin=${distro_id},archive=${distro_codename}-security",
            "origin=UbuntuESMApps,archive=${distro_codename}-apps-security",
            "origin=UbuntuESM,archive=${distro_codename}-infra-security",
        ]);
        expect(apt.get("Unattended-Upgrade::Mail")).toEqual(["postmaster@example.com"]);
        expect(apt.get("Unattended-Upgrade::MailReport")).toEqual(["on-change"]);
        expect(apt.get("Unattended-Upgrade::Automatic-Reboot")).toEqual(["true"]);
        expect(apt.get("Unattended-Upgrade::Automatic-Reboot-Time")).toEqual(["04:00"]);
        expect(apt.get("APT::Periodic::Unattended-Upgrade")).toEqual(["1"]);
        expect(apt.get("APT::Periodic::Update-Package-Lists")).toEqual(["1"]);
    });

    it("follows the config: no reboot, another window, Docker updates, error-only mail", () => {
        const apt = aptDump("custom", {
            updates: {
                automaticReboot: false,
                rebootTime: "02:30",
                dockerUpdates: true,
                mailReport: "only-on-error",
            },
        });
        expect(apt.get("Unattended-Upgrade::Automatic-Reboot")).toEqual(["false"]);
        expect(apt.get("Unattended-Upgrade::Automatic-Reboot-Time")).toEqual(["02:30"]);
        expect(apt.get("Unattended-Upgrade::MailReport")).toEqual(["only-on-error"]);
        expect(apt.get("Unattended-Upgrade::Origins-Pattern"))
            .toContain("origin=Docker,archive=${distro_codename}");
    });

    it("refuses a reboot time that is not a clock time", () => {
        expect(() => stack({ baseline: { updates: { rebootTime: "4am" } } }))
            .toThrow(/mailfort:baseline\.updates\.rebootTime/);
    });
});

describe("daemon.json", () => {
    const config = stack();
    const host = config.hosts[0]!;

    it("rotates logs, drops the userland proxy and gives the bridge IPv6", () => {
        const daemon = JSON.parse(renderDaemonJson(host, config.baseline));
        expect(daemon).toMatchObject({
            "log-driver": "json-file",
            "log-opts": { "max-size": "10m", "max-file": "5" },
            "userland-proxy": false,
            ipv6: true,
            ip6tables: true,
            "live-restore": true,
        });
    });

    it("derives a stable unique local /64 from the host name when none is configured", () => {
        const cidr = ulaFor(host.hostname);
        expect(ulaFor(host.hostname)).toBe(cidr);
        expect(ulaFor("mx2.example.com")).not.toBe(cidr);
        const [address, prefix] = cidr.split("/");
        expect(isIPv6(address!)).toBe(true);
        expect(prefix).toBe("64");
        expect(address).toMatch(/^fd/);
        const parsed = baselineSchema.parse({ docker: { ipv6Cidr: cidr } });
        expect(parsed.docker.ipv6Cidr).toBe(cidr);
        expect(JSON.parse(renderDaemonJson(host, config.baseline))["fixed-cidr-v6"]).toBe(cidr);
    });

    it("takes a configured range and refuses one outside fd00::/8", () => {
        const mine = stack({ baseline: { docker: { ipv6Cidr: "fd3a:91c2:7b10:1::/64" } } });
        expect(JSON.parse(renderDaemonJson(host, mine.baseline))["fixed-cidr-v6"])
            .toBe("fd3a:91c2:7b10:1::/64");
        expect(() => stack({ baseline: { docker: { ipv6Cidr: "2001:db8::/64" } } }))
            .toThrow(/must be a unique local \/64/);
    });
});

describe("mailfort-baseline", () => {
    it("sets the mail host name and its /etc/hosts line (in a private UTS namespace)", () => {
        requireTools({ unshare: "util-linux", hostname: "hostname" });
        const config = stack();
        const dir = path.join(root, "hostname");
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, "hosts"),
            "127.0.0.1 localhost\n127.0.1.1 ubuntu-2gb-nbg1-1\n::1 localhost ip6-localhost\n");
        fs.writeFileSync(path.join(dir, "hostname"), "ubuntu-2gb-nbg1-1\n");
        const conf = path.join(dir, "baseline.conf");
        fs.writeFileSync(conf, renderBaselineConf(config.hosts[0]!) + [
            `HOSTNAME_FILE=${dir}/hostname`,
            `HOSTS_FILE=${dir}/hosts`,
            `SECURITY_LOG=${dir}/security.log`,
            // Never ask a real hostnamed: it would rename the machine running the tests.
            "USE_HOSTNAMECTL=no",
        ].join("\n") + "\n");
        const script = path.join(__dirname, "../../components/baseline/mailfort-baseline");
        const inner = `MAILFORT_BASELINE_CONF=${conf} bash ${script} hostname && hostname`;
        const out = run("unshare", ["--uts", "--", "bash", "-c", inner]);
        expect(out.trim()).toBe("mail.example.com");
        expect(fs.readFileSync(path.join(dir, "hostname"), "utf8")).toBe("mail.example.com\n");
        expect(fs.readFileSync(path.join(dir, "hosts"), "utf8")).toBe(
            "127.0.1.1 mail.example.com mail\n127.0.0.1 localhost\n::1 localhost ip6-localhost\n");
        expect(os.hostname()).not.toBe("mail.example.com");
    });

    it("ships every baseline file the preview must show", () => {
        const config = stack();
        expect(baselineFiles(config.hosts[0]!, config).map((f) => f.path)).toEqual([
            "/usr/local/sbin/mailfort-baseline",
            "/usr/local/sbin/mailfort-install-docker",
            "/etc/mailfort/baseline.conf",
            "/etc/apt/apt.conf.d/52mailfort-unattended-upgrades",
            "/etc/apt/apt.conf.d/20auto-upgrades",
            "/etc/docker/daemon.json",
            "/etc/cloud/cloud.cfg.d/99-mailfort-hostname.cfg",
        ]);
    });
});
