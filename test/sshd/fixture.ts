/** A minimal valid stack config for renderer tests, as Pulumi config would hand it over. */
import { ConfigSource, loadStackConfig, StackConfig } from "../../config";

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
