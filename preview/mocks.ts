/**
 * Outputs for resources under Pulumi's mock runtime. They are shaped like what the providers
 * return, and keys are real keys, so the preview's DKIM record can be checked by a verifier.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export interface RecordedResource {
    type: string;
    name: string;
    custom: boolean;
    inputs: Record<string, unknown>;
}

export class PreviewMocks implements pulumi.runtime.Mocks {
    readonly recorded: RecordedResource[] = [];

    newResource(args: pulumi.runtime.MockResourceArgs): {
        id: string;
        state: Record<string, unknown>;
    } {
        this.recorded.push({
            type: args.type,
            name: args.name,
            custom: args.custom ?? true,
            inputs: args.inputs,
        });
        const id = `${args.name}-id`;
        return { id, state: { ...args.inputs, ...outputsFor(args.type, args.name, args.inputs) } };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        return args.inputs;
    }
}

function outputsFor(
    type: string,
    name: string,
    inputs: Record<string, unknown>,
): Record<string, unknown> {
    const digest = createHash("sha256").update(name).digest("hex");
    switch (type) {
        case "tls:index/privateKey:PrivateKey":
            return rsaKeyPair(name, Number(inputs.rsaBits ?? 2048));
        case "random:index/randomPassword:RandomPassword":
        case "random:index/randomString:RandomString":
            return { result: digest.slice(0, Number(inputs.length ?? 16)) };
        case "cloudflare:index/apiToken:ApiToken":
            return { value: `preview-token-${digest.slice(0, 8)}` };
        case "docker:index/remoteImage:RemoteImage":
            return { imageId: `sha256:${digest}`, repoDigest: `${inputs.name}@sha256:${digest}` };
        case "command:remote:Command":
            return { stdout: "", stderr: "" };
        default:
            return {};
    }
}

/**
 * One key pair per resource name and size, kept for the process and, when the preview names a
 * file, across runs: like Pulumi's state, so two previews of the same config plan the same keys
 * and a comparison of builds shows only real changes. These keys exist only in previews.
 */
const keyPairs = new Map<string, Record<string, string>>();
let keyStore: string | undefined;

/** The key that fingerprints secrets in this machine's builds, made on first use. */
export function fingerprintKey(path: string): Buffer {
    if (existsSync(path)) return readFileSync(path);
    mkdirSync(dirname(path), { recursive: true });
    const key = randomBytes(32);
    writeFileSync(path, key, { mode: 0o600 });
    return key;
}

export function useKeyStore(path: string): void {
    keyStore = path;
    if (!existsSync(path)) return;
    const stored = JSON.parse(readFileSync(path, "utf8")) as Record<string, Record<string, string>>;
    for (const [key, pair] of Object.entries(stored)) keyPairs.set(key, pair);
}

function rsaKeyPair(name: string, bits: number): Record<string, string> {
    const cached = keyPairs.get(`${name}/${bits}`);
    if (cached) return cached;
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: bits });
    const pair = {
        privateKeyPem: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
        publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    };
    keyPairs.set(`${name}/${bits}`, pair);
    if (keyStore) {
        mkdirSync(dirname(keyStore), { recursive: true });
        writeFileSync(keyStore, JSON.stringify(Object.fromEntries(keyPairs)), { mode: 0o600 });
    }
    return pair;
}
