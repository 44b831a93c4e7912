/** The sshd renderers and the config rule that keeps password login on without a key. */
import { describe, expect, it } from "vitest";

import { ConfigError } from "../../config";
import {
    allowedUsers,
    permitRootLogin,
    portLines,
    renderApplyConf,
    renderSshdDropin,
    sshdFiles,
} from "../../components/sshd";
import { operatorKey, stack } from "./fixture";

describe("sshd config", () => {
    it("refuses password login off without an authorized key, naming the key", () => {
        let error: unknown;
        try {
            stack({ sshd: {} });
        } catch (caught) {
            error = caught;
        }
        expect(error).toBeInstanceOf(ConfigError);
        const problem = (error as ConfigError).problems
            .find((p) => p.key === "mailfort:sshd.authorizedKeys");
        expect(problem?.message).toContain("must list at least one public key");
    });

    it("accepts no keys when the operator keeps password login on", () => {
        expect(stack({ sshd: { passwordAuthentication: true } }).sshd.authorizedKeys).toEqual([]);
    });

    it("refuses an authorized key line that smuggles options or a second key", () => {
        const bad = [
            `command="sh" ${operatorKey}`,
            `${operatorKey}\n${operatorKey}`,
            "ssh-dss AAAA",
        ];
        for (const key of bad) {
            expect(() => stack({ sshd: { authorizedKeys: [key] } }))
                .toThrow(/sshd\.authorizedKeys\[0\]/);
        }
    });
});

describe("sshd drop-in", () => {
    const config = stack({ sshd: { authorizedKeys: [operatorKey], allowUsers: ["backup"] } });
    const host = config.hosts[0]!;

    it("always allows the deploy user, first", () => {
        expect(allowedUsers(host, config.sshd)).toEqual(["deploy", "backup"]);
        expect(renderSshdDropin(host, config.sshd)).toContain("\nAllowUsers deploy backup\n");
    });

    it("only lets root in by key when root is the deploy user", () => {
        expect(permitRootLogin(host)).toBe("no");
        const rootHost = { ...host, ssh: { ...host.ssh, user: "root" } };
        expect(permitRootLogin(rootHost)).toBe("prohibit-password");
    });

    it("sets Port only for a non-standard port, the one firewall and jail read too", () => {
        expect(renderSshdDropin(host, config.sshd)).not.toMatch(/^Port /m);
        const moved = { ...host, ssh: { ...host.ssh, port: 2202 } };
        expect(renderSshdDropin(moved, config.sshd)).toMatch(/^Port 2202$/m);
    });

    it("listens on the old and the new port while SSH moves", () => {
        const moving = stack({ sshd: { authorizedKeys: [operatorKey], extraPorts: [2202] } });
        expect(portLines(moving.hosts[0]!, moving.sshd)).toEqual(["Port 22", "Port 2202"]);
    });

    it("keeps an ECDSA pinned host key on offer, or Pulumi could not verify the host", () => {
        const ecdsa = { ...host, ssh: { ...host.ssh, hostKey: "ecdsa-sha2-nistp256 AAAAE2Vj" } };
        expect(renderSshdDropin(ecdsa, config.sshd))
            .toMatch(/^HostKeyAlgorithms .*,ecdsa-sha2-nistp256$/m);
        expect(renderSshdDropin(host, config.sshd)).not.toContain("ecdsa");
    });

    it("ships the script, its parameters, the staged drop-in and authorized_keys", () => {
        const files = sshdFiles(host, config);
        expect(files.map((f) => f.path)).toEqual([
            "/usr/local/sbin/mailfort-sshd-apply",
            "/etc/mailfort/sshd/apply.conf",
            "/etc/mailfort/sshd/10-mailfort.conf",
            "/etc/mailfort/sshd/authorized_keys",
        ]);
        expect(files[0]?.mode).toBe("0755");
        expect(files[3]?.content).toContain(operatorKey);
        expect(renderApplyConf(host, config.sshd)).toContain("KEYS_USER=deploy\n");
    });
});
