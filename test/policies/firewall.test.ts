/**
 * The firewall policies over the files the Firewall component really ships: the happy path is
 * `firewallFiles` of the example stack; each failing case breaks one thing in it.
 */
import { describe, expect, it } from "vitest";

import { firewallEnv, firewallFiles, firewallRuleset } from "../../components/firewall/render";
import { installCommand } from "../../components/host/files";
import { firewallPortsNamed } from "../../policies/firewall-ports-named";
import { firewallSshAllowed } from "../../policies/firewall-ssh-allowed";
import { exampleConfig } from "../support/stack";
import { violations } from "./support";

const remoteCommand = "command:remote:Command";

/** The install command's inputs for one shipped firewall file, as the engine hands them over. */
function shipped(path: string, options: { sshPort?: number; exceptions?: unknown[] } = {}) {
    const config = exampleConfig({ firewall: { exceptions: options.exceptions ?? [] } });
    const host = config.hosts[0]!;
    const file = firewallFiles(host, config).find((f) => f.path === path)!;
    return {
        create: installCommand(file),
        update: installCommand(file),
        stdin: String(file.content),
        connection: { host: host.ipv4, port: options.sshPort ?? host.ssh.port, user: "deploy" },
    };
}

const adminPanel = { name: "admin-panel", port: 8443, protocol: "tcp" };

describe("firewall-ssh-allowed", () => {
    it("passes the ruleset and UFW parameters rendered for the host", async () => {
        for (const path of [firewallRuleset, firewallEnv]) {
            expect(await violations(firewallSshAllowed, remoteCommand, shipped(path))).toEqual([]);
        }
    });

    it("fails when Pulumi connects on a port the ruleset does not allow", async () => {
        const props = shipped(firewallRuleset, { sshPort: 2222 });
        const found = await violations(firewallSshAllowed, remoteCommand, props);
        expect(found).toHaveLength(1);
        expect(found[0]).toContain("does not allow TCP port 2222");
    });

    it("fails when UFW would open SSH on another port", async () => {
        const props = shipped(firewallEnv, { sshPort: 2222 });
        const found = await violations(firewallSshAllowed, remoteCommand, props);
        expect(found[0]).toContain("open SSH on port 22 but Pulumi connects on port 2222");
    });

    it("ignores files that are not the firewall's", async () => {
        const props = { ...shipped(firewallRuleset, { sshPort: 2222 }), create: "echo hi" };
        expect(await violations(firewallSshAllowed, remoteCommand, props)).toEqual([]);
    });
});

describe("firewall-ports-named", () => {
    it("passes mail, SSH and a named exception", async () => {
        for (const path of [firewallRuleset, firewallEnv]) {
            const props = shipped(path, { exceptions: [adminPanel] });
            expect(await violations(firewallPortsNamed, remoteCommand, props)).toEqual([]);
        }
    });

    it("fails a port in the ruleset that carries no exception name", async () => {
        const props = shipped(firewallRuleset);
        props.stdin = props.stdin.replace(/^(define allowed_tcp = \{ [^}]*)\}/m, "$1, 8080 }");
        const found = await violations(firewallPortsNamed, remoteCommand, props);
        expect(found).toEqual([expect.stringContaining("opens 8080/tcp")]);
    });

    it("fails a port dressed up with a mail port's name", async () => {
        const props = shipped(firewallRuleset);
        props.stdin = props.stdin.replace(/^(define allowed_udp = \{ )/m, '$1 53 comment "smtp"');
        const found = await violations(firewallPortsNamed, remoteCommand, props);
        expect(found).toEqual([expect.stringContaining("opens 53/udp")]);
    });

    it("fails an unnamed exception in the UFW parameters", async () => {
        const props = shipped(firewallEnv, { exceptions: [adminPanel] });
        props.stdin = props.stdin.replace("8443/tcp:admin-panel", "8443/tcp");
        const found = await violations(firewallPortsNamed, remoteCommand, props);
        expect(found).toEqual([expect.stringContaining("8443/tcp without an exception name")]);
    });
});
