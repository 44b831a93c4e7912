/**
 * Secret values under the mock runtime arrive wrapped in Pulumi's secret signature object.
 * Policies get them unwrapped (as the engine hands them); files for review get them redacted.
 */
import { createHmac } from "node:crypto";

const secretSignature = "4dabf18193072939515e22adb298388d";
const secretMarker = "1b47061264138c4ac30d75fd1eb44270";

export const redactionNotice = "[secret: redacted by mailfort's offline preview]";

export function isSecretValue(value: unknown): value is { value: unknown } {
    return (
        typeof value === "object" &&
        value !== null &&
        (value as Record<string, unknown>)[secretSignature] === secretMarker
    );
}

/**
 * Names a secret without revealing it: an HMAC under a key that never leaves this machine, so
 * two builds show whether a secret changed while the build folder says nothing about its value.
 */
export type Fingerprint = (secret: unknown) => string;

export function fingerprinter(key: Buffer): Fingerprint {
    return (secret) =>
        createHmac("sha256", key).update(JSON.stringify(secret)).digest("hex").slice(0, 16);
}

/** Replaces every secret with the redaction notice (and its fingerprint, when given one). */
export function redact(value: unknown, fingerprint?: Fingerprint): unknown {
    if (isSecretValue(value)) {
        return fingerprint ? `${redactionNotice} ${fingerprint(value.value)}` : redactionNotice;
    }
    if (Array.isArray(value)) return value.map((v) => redact(v, fingerprint));
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(
            Object.entries(value).map(([k, v]) => [k, redact(v, fingerprint)]),
        );
    }
    return value;
}

/** Removes the secret wrappers, keeping the values. */
export function unwrap(value: unknown): unknown {
    if (isSecretValue(value)) return unwrap(value.value);
    if (Array.isArray(value)) return value.map(unwrap);
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrap(v)]));
    }
    return value;
}
