/** A minimal valid stack config for Fail2Ban tests, as Pulumi config would hand it over. */
import * as fs from "node:fs";
import * as path from "node:path";

import { ConfigSource, loadStackConfig, StackConfig } from "../../config";

export const repoRoot = path.join(__dirname, "..", "..");

export const operatorKey =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeOperatorKeyForTestsOnly0123456789ab me@laptop";

export function stackSource(overrides: Record<string, unknown> = {}): ConfigSource {
    const values: Record<string, unknown> = {
        domains: [{ name: "example.com", cloudflareZoneId: "0123456789abcdef0123456789abcdef" }],
        hosts: [{
            hostname: "mail.example.com",
            ipv4: "192.0.2.10",
            ssh: { hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyForTests" },
        }],
        contacts: { admin: "postmaster@example.com" },
        accounts: [{ address: "alice@example.com" }],
        sshd: { authorizedKeys: [operatorKey] },
        ...overrides,
    };
    return (key) => {
        if (key === "sshPrivateKey") return "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n";
        const value = values[key];
        return value === undefined ? undefined : JSON.stringify(value);
    };
}

export function stack(overrides: Record<string, unknown> = {}): StackConfig {
    return loadStackConfig(stackSource(overrides));
}

/**
 * Upstream's annotated sample logs: `MAILFORT_F2B_CORPUS`, else `../shared/corpus/fail2ban-logs`
 * beside the repository (kept out of the repo: they are upstream's files, not ours).
 */
export function corpusDir(): string {
    return process.env.MAILFORT_F2B_CORPUS ??
        path.resolve(repoRoot, "..", "shared", "corpus", "fail2ban-logs");
}

export function corpusPresent(): boolean {
    return fs.existsSync(path.join(corpusDir(), "postfix"));
}

export const samplesDir = path.join(__dirname, "samples");
