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
        raw[key] = value === undefined ? undefined : typeof value === "string" ? value : JSON.stringify(value);
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
