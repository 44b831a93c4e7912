/**
 * Reads `Pulumi.<stack>.yaml` the way the Pulumi CLI hands it to a program, minus decryption:
 * every `secure:` value becomes a placeholder that passes validation and says it is one.
 */
import { load } from "js-yaml";
import { readFileSync } from "node:fs";

export interface StackFile {
    /** Config as `PULUMI_CONFIG` holds it: namespaced keys, structured values as JSON text. */
    config: Record<string, string>;
    /** Keys whose value (or part of it) was `secure:` in the file. */
    secretKeys: string[];
}

export const placeholderNote = "redacted for the offline preview";

export function readStackFile(path: string): StackFile {
    const document = load(readFileSync(path, "utf8")) as {
        config?: Record<string, unknown>;
    } | null;
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(document?.config ?? {})) {
        const secret = { found: false };
        const plain = replaceSecure(key, value, secret);
        config[key] = typeof plain === "string" ? plain : JSON.stringify(plain);
        if (secret.found) secretKeys.push(key);
    }
    return { config, secretKeys };
}

function replaceSecure(key: string, value: unknown, secret: { found: boolean }): unknown {
    if (isSecure(value)) {
        secret.found = true;
        return placeholder(key);
    }
    if (Array.isArray(value)) return value.map((v) => replaceSecure(key, v, secret));
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(
            Object.entries(value).map(([k, v]) => [k, replaceSecure(`${key}.${k}`, v, secret)]),
        );
    }
    return value;
}

function isSecure(value: unknown): boolean {
    return (
        typeof value === "object" &&
        value !== null &&
        Object.keys(value).length === 1 &&
        typeof (value as { secure?: unknown }).secure === "string"
    );
}

/** A stand-in value shaped like what the key holds, so validation sees a plausible value. */
function placeholder(key: string): string {
    if (/private ?key/i.test(key)) {
        const pem = "OPENSSH PRIVATE KEY";
        return `-----BEGIN ${pem}-----\n${placeholderNote}\n-----END ${pem}-----`;
    }
    return `Preview-Placeholder-${key.replace(/[^A-Za-z0-9]/g, "")}-7#x`;
}
