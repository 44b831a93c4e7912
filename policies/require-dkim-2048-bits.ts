import type { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import { createPublicKey } from "node:crypto";

import { Props, resourceTypes } from "./lib/resources";
import { tagList, txtRecord } from "./lib/txt";

/** RFC 8301 3.2: signers must use RSA keys of at least 1024 bits and should use 2048. */
export const minimumRsaBits = 2048;
/** The tls provider's default `rsaBits`. */
const tlsDefaultRsaBits = 2048;
const keyBitsHint = "mailfort config key mailfort:dkim.keyBits: 2048 or more";

/**
 * Both halves are checked: the key the stack generates, and what each DKIM record publishes, so
 * a hand-made record with an old 1024-bit key is caught as well.
 */
export const requireDkim2048Bits: ResourceValidationPolicy = {
    name: "require-dkim-2048-bits",
    description: "RSA keys, generated or published in DKIM records, have at least 2048 bits.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type === resourceTypes.privateKey) {
            checkGeneratedKey(args.props, args.name, report);
        }
        const record = txtRecord(args.type, args.props);
        if (record && record.name.includes("._domainkey.")) {
            checkPublishedKey(record.name, record.text, report);
        }
    },
};

function checkGeneratedKey(props: Props, name: string, report: ReportViolation): void {
    if (props["algorithm"] !== "RSA") return;
    const bits = Number(props["rsaBits"] ?? tlsDefaultRsaBits);
    if (bits >= minimumRsaBits) return;
    report(
        `Private key ${name} is RSA with ${bits} bits; generate ${minimumRsaBits} bits ` +
            `(${keyBitsHint}).`,
    );
}

function checkPublishedKey(name: string, text: string, report: ReportViolation): void {
    const tags = tagList(text);
    const keyType = (tags.get("k") ?? "rsa").toLowerCase();
    const data = (tags.get("p") ?? "").replace(/\s+/g, "");
    // An empty p= revokes the selector (RFC 6376 3.6.1); ed25519 keys have a fixed size.
    if (keyType !== "rsa" || data === "") return;
    const bits = rsaModulusBits(data);
    if (bits === undefined) {
        report(`DKIM record ${name} publishes a p= value that is not an RSA public key; ` +
            `publish the key the stack generates (${keyBitsHint}).`);
    } else if (bits < minimumRsaBits) {
        report(`DKIM record ${name} publishes a ${bits}-bit RSA key; publish a key of at least ` +
            `${minimumRsaBits} bits (${keyBitsHint}).`);
    }
}

/** The modulus length of a base64 DKIM key: SubjectPublicKeyInfo in practice, bare PKCS#1 too. */
export function rsaModulusBits(base64: string): number | undefined {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return undefined;
    const der = Buffer.from(base64, "base64");
    for (const type of ["spki", "pkcs1"] as const) {
        try {
            const key = createPublicKey({ key: der, format: "der", type });
            if (key.asymmetricKeyType === "rsa") return key.asymmetricKeyDetails?.modulusLength;
            return undefined;
        } catch {
            // Try the next encoding.
        }
    }
    return undefined;
}
