/**
 * Failing cases of the firewall policies against the happy-path stack: each adds the firewall
 * files exactly as `firewallFiles` renders them for the example host, broken in one way.
 */
import { firewallFiles, firewallRuleset } from "../../components/firewall/render";
import { installCommand } from "../../components/host/files";
import type { PlannedResource } from "../../policies/run";
import { exampleConfig } from "../support/stack";
import { FailingCase, says } from "./cases";
import { resourceNamed } from "./fixture";

function shippedRuleset(edit: (text: string) => string = (t) => t, sshPort = 22): PlannedResource {
    const config = exampleConfig();
    const host = config.hosts[0]!;
    const file = firewallFiles(host, config).find((f) => f.path === firewallRuleset)!;
    return {
        type: "command:remote:Command",
        name: "mx1-firewall-ruleset",
        props: {
            create: installCommand(file),
            update: installCommand(file),
            stdin: edit(String(file.content)),
            connection: {
                host: host.ipv4,
                port: sshPort,
                user: "deploy",
                hostKey: host.ssh.hostKey,
            },
        },
    };
}

const add = (resource: PlannedResource) => (stack: PlannedResource[]) => {
    stack.push(resource);
};

export const failingCases: FailingCase[] = [
    {
        policy: "firewall-ssh-allowed",
        title: "Pulumi connects on a port the ruleset does not allow",
        breaks: add(shippedRuleset(undefined, 2222)),
        message: says("does not allow TCP port 2222"),
        // Port 22 then carries the reserved name "ssh" without being the SSH port.
        alsoViolates: ["firewall-ports-named"],
    },
    {
        policy: "firewall-ports-named",
        title: "an unnamed port in the ruleset",
        breaks: add(
            shippedRuleset((t) => t.replace(/^(define allowed_tcp = \{ [^}]*)\}/m, "$1, 8080 }")),
        ),
        message: says("opens 8080/tcp", "mailfort:firewall.exceptions"),
    },
    {
        policy: "firewall-https-needs-mta-sts",
        title: "443 open with no MTA-STS endpoint",
        breaks: (stack) => {
            stack.splice(stack.indexOf(resourceNamed(stack, "mx1-mta-sts")), 1);
            stack.push(shippedRuleset());
        },
        message: says("opens 443/tcp but no MTA-STS endpoint runs", "mailfort:services.mtaSts"),
    },
];
