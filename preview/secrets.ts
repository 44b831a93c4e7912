/**
 * Secret values under the mock runtime arrive wrapped in Pulumi's secret signature object.
 * Policies get them unwrapped (as the engine hands them); files for review get them redacted.
 */
const secretSignature = "4dabf18193072939515e22adb298388d";
const secretMarker = "1b47061264138c4ac30d75fd1eb44270";

export const redactionNotice = "[secret: redacted by mailfort's offline preview]";

export function isSecretValue(value: unknown): value is { value: unknown } {
    return typeof value === "object" && value !== null &&
        (value as Record<string, unknown>)[secretSignature] === secretMarker;
}

/** Replaces every secret with the redaction notice. */
export function redact(value: unknown): unknown {
    if (isSecretValue(value)) return redactionNotice;
    if (Array.isArray(value)) return value.map(redact);
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v)]));
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
