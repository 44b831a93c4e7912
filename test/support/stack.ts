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

/** Raw values of the example with `changes` applied on top (undefined deletes a key). */
function rawWith(changes: Record<string, unknown>): Record<string, string> {
    const raw: Record<string, string> = { ...exampleRaw() };
    for (const [key, value] of Object.entries(changes)) {
        if (value === undefined) delete raw[key];
        else raw[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return raw;
}

/** A source over raw values, with `changes` applied on top (undefined deletes a key). */
export function sourceWith(changes: Record<string, unknown> = {}): ConfigSource {
    const raw = rawWith(changes);
    return (key) => raw[key];
}

/** The example stack's config with `changes`; only the keys it then sets count as set. */
export function exampleConfig(changes: Record<string, unknown> = {}): StackConfig {
    const raw = rawWith(changes);
    return loadStackConfig(
        (key) => raw[key],
        () => Object.keys(raw),
    );
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
    const values = minimalValues(overrides);
    return (key) => {
        const value = values[key];
        return value === undefined ? undefined : String(value);
    };
}

function minimalValues(overrides: Record<string, unknown>): Record<string, string> {
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
    const set = Object.entries(values).filter(([, value]) => value !== undefined);
    return {
        ...Object.fromEntries(set.map(([key, value]) => [key, JSON.stringify(value)])),
        sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n",
    };
}

export function minimalConfig(overrides: Record<string, unknown> = {}): StackConfig {
    const values = minimalValues(overrides);
    return loadStackConfig(minimalSource(overrides), () => Object.keys(values));
}
