/**
 * The example stack as tests use it: the values of Pulumi.prod.yaml, a real SSH private key
 * placeholder, and a way to break one key at a time.
 */
import { readStackFile } from "../../preview/stack-file";
import { ConfigSource, loadStackConfig, StackConfig } from "../../config";
import { join } from "node:path";

export const repoRoot = join(__dirname, "..", "..");

export const exampleStackFile = join(repoRoot, "Pulumi.prod.yaml");

/** The example config as raw values, keys without the `mailfort:` namespace. */
export function exampleRaw(): Record<string, string> {
    const file = readStackFile(exampleStackFile);
    return Object.fromEntries(
        Object.entries(file.config)
            .filter(([key]) => key.startsWith("mailfort:"))
            .map(([key, value]) => [key.slice("mailfort:".length), value]),
    );
}

/** A source over raw values, with `changes` applied on top (undefined deletes a key). */
export function sourceWith(changes: Record<string, unknown> = {}): ConfigSource {
    const raw: Record<string, string | undefined> = { ...exampleRaw() };
    for (const [key, value] of Object.entries(changes)) {
        raw[key] =
            value === undefined
                ? undefined
                : typeof value === "string"
                  ? value
                  : JSON.stringify(value);
    }
    return (key) => raw[key];
}

export function exampleConfig(changes: Record<string, unknown> = {}): StackConfig {
    return loadStackConfig(sourceWith(changes));
}

/** The example's value of a structured key, parsed, for tests that change one field of it. */
export function exampleValue<T = Record<string, unknown>>(key: string): T {
    return JSON.parse(exampleRaw()[key] ?? "null") as T;
}

/** An operator's public key, as `sshd.authorizedKeys` lists it. */
export const operatorKey =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeOperatorKeyForTestsOnly0123456789ab me@laptop";

/**
 * The smallest valid stack (one host, one account, no secrets but the SSH key), for renderer
 * tests that want every default; `overrides` replaces whole keys.
 */
export function minimalSource(overrides: Record<string, unknown> = {}): ConfigSource {
    const values: Record<string, unknown> = {
        domains: [{ name: "example.com", cloudflareZoneId: "0123456789abcdef0123456789abcdef" }],
        hosts: [
            {
                hostname: "mail.example.com",
                ipv4: "192.0.2.10",
                ssh: { hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyForTests" },
            },
        ],
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

export function minimalConfig(overrides: Record<string, unknown> = {}): StackConfig {
    return loadStackConfig(minimalSource(overrides));
}
