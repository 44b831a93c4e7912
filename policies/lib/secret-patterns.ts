/**
 * Recognisers for secret material in text that is logged or stored in plain view: command lines,
 * container environments, labels. Each names what it found; none echoes the secret back.
 */

export interface SecretPattern {
    what: string;
    pattern: RegExp;
}

/** A word ending a key name that says its value is a secret (RELAY_PASSWORD, --api-token). */
const secretWord = "(?:password|passwd|passphrase|pass|pw|secret|token|api[_-]?key)";

/** A key that names a secret: the word alone or as the last part of a `_`/`-` joined name. */
export const secretKeyName = new RegExp(`^(?:[A-Za-z0-9]+[_-])*${secretWord}$`, "i");

export const secretPatterns: readonly SecretPattern[] = [
    { what: "private key material", pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/ },
    {
        what: "a Cloudflare API token",
        // certbot-dns-cloudflare's ini key, and the variable names Cloudflare's own tools read.
        pattern: new RegExp(
            "\\b(?:dns_cloudflare_api_(?:token|key)" +
                "|(?:CLOUDFLARE|CF)(?:_DNS)?_API_(?:TOKEN|KEY))" +
                "\\s*[=:]\\s*[\"']?[A-Za-z0-9_-]{20,}",
            "i",
        ),
    },
    {
        what: "a password hash",
        // Dovecot's {SCHEME-CRYPT} prefix, or a crypt(3) hash: sha512, sha256, yescrypt, bcrypt.
        pattern: new RegExp(
            "\\{(?:SHA512|SHA256|BLF|ARGON2ID?)-CRYPT\\}" +
                "|\\$(?:6|5|y|2[aby])\\$[./A-Za-z0-9$]{20,}",
        ),
    },
    {
        what: "a password or token assignment",
        // A value that starts with $, < or { is a reference (shell variable, here-doc, template).
        pattern: new RegExp(`(?:^|[^A-Za-z0-9])(?:[A-Za-z0-9]+[_-])*${secretWord}\\s*[=:]\\s*` +
            `["']?[^\\s"'$<{]`, "i"),
    },
];

/** What kinds of secret a text holds, if any. */
export function secretsIn(text: string): string[] {
    return secretPatterns.filter(({ pattern }) => pattern.test(text)).map(({ what }) => what);
}
