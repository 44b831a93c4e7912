/**
 * The three components under Pulumi's mock runtime, through the offline preview's own runner:
 * which resources they declare, in which order, with which commands.
 */
import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { Backups } from "../../components/backups";
import { Baseline } from "../../components/baseline";
import { hostConnection } from "../../components/host";
import { Sshd } from "../../components/sshd";
import { loadStackConfig } from "../../config";
import { PlannedResource, runProgram } from "../../preview/run";
import { requireTools, run } from "../support/system";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mfssh-components-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let resources: PlannedResource[];

function byName(name: string): PlannedResource {
    const found = resources.find((r) => r.name === name);
    if (!found) throw new Error(`no resource ${name}; have ${resources.map((r) => r.name)}`);
    return found;
}

beforeAll(async () => {
    requireTools({ "ssh-keygen": "openssh-client" });
    const keyFile = path.join(dir, "deploy");
    run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "deploy", "-f", keyFile]);
    const config: Record<string, string> = {
        "mailfort:domains": JSON.stringify([
            { name: "example.com", cloudflareZoneId: "0123456789abcdef0123456789abcdef" },
        ]),
        "mailfort:hosts": JSON.stringify([{
            hostname: "mail.example.com",
            ipv4: "192.0.2.10",
            ssh: { hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyForTests" },
        }]),
        "mailfort:contacts": JSON.stringify({ admin: "postmaster@example.com" }),
        "mailfort:accounts": JSON.stringify([{ address: "alice@example.com" }]),
        "mailfort:sshd": JSON.stringify({
            authorizedKeys: [fs.readFileSync(`${keyFile}.pub`, "utf8").trim()],
        }),
        "mailfort:backups": JSON.stringify({ repository: "/srv/backup" }),
        "mailfort:sshPrivateKey": fs.readFileSync(keyFile, "utf8"),
    };
    const planned = await runProgram("test", { config, secretKeys: ["mailfort:sshPrivateKey"] },
        () => {
            const stack = loadStackConfig();
            const host = stack.hosts[0]!;
            const connection = hostConnection(host, stack);
            new Sshd("mx1-sshd", { connection, host, config: stack });
            new Baseline("mx1-baseline", { connection, host, config: stack });
            new Backups("mx1-backups", {
                connection, host, config: stack, resticPassword: pulumi.secret("pw"),
            });
        });
    resources = planned.resources;
});

describe("components under the mock runtime", () => {
    it("declare the documented type tokens", () => {
        const types = resources.map((r) => `${r.type} ${r.name}`);
        expect(types).toContain("mailfort:sshd:Sshd mx1-sshd");
        expect(types).toContain("mailfort:baseline:Baseline mx1-baseline");
        expect(types).toContain("mailfort:backups:Backups mx1-backups");
    });

    it("confirm the sshd change over a separate command, after the apply step", () => {
        const apply = byName("mx1-sshd-files-on-change");
        expect(apply.inputs.create).toBe("sudo /usr/local/sbin/mailfort-sshd-apply apply");
        const confirm = byName("mx1-sshd-confirm");
        expect(confirm.inputs.create).toBe("sudo /usr/local/sbin/mailfort-sshd-apply confirm");
        expect(confirm.dependsOn).toContain("mx1-sshd-files-on-change");
        expect(confirm.parent).toBe("mx1-sshd");
    });

    it("ship authorized_keys once the deploy key is found in it", () => {
        const keys = byName("mx1-sshd-files-etc-mailfort-sshd-authorized-keys");
        expect(String(keys.inputs.stdin)).toContain("ssh-ed25519 ");
    });

    it("run the baseline and the backup setup after their files land", () => {
        expect(byName("mx1-baseline-files-on-change").inputs.create)
            .toBe("sudo /usr/local/sbin/mailfort-baseline");
        expect(byName("mx1-backups-files-on-change").inputs.create)
            .toBe("sudo /usr/local/sbin/mailfort-backup setup");
        const password = byName("mx1-backups-files-etc-mailfort-backup-restic-password");
        expect(password.inputs.logging).toBe("none");
    });
});
