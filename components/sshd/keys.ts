/**
 * Finds the public half of the deploy private key, so a deployment that would replace the deploy
 * user's authorized_keys without the key Pulumi itself logs in with is refused before it ships.
 */
import { createPublicKey } from "node:crypto";

const opensshMagic = "openssh-key-v1\0";

/** SSH wire format: a uint32 length, then that many bytes. */
function sshString(payload: Buffer): Buffer {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(payload.length);
    return Buffer.concat([length, payload]);
}

/** Two's-complement big-endian integer, the way the SSH wire format carries RSA numbers. */
function sshMpint(unsigned: Buffer): Buffer {
    let bytes = unsigned;
    while (bytes.length > 1 && bytes[0] === 0) bytes = bytes.subarray(1);
    return sshString((bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function readString(buffer: Buffer, offset: number): [Buffer, number] {
    const length = buffer.readUInt32BE(offset);
    return [buffer.subarray(offset + 4, offset + 4 + length), offset + 4 + length];
}

function lineOf(blob: Buffer): string {
    const [type] = readString(blob, 0);
    return `${type.toString("latin1")} ${blob.toString("base64")}`;
}

/** The public key of an `openssh-key-v1` file: stored in the clear, even when encrypted. */
function fromOpenssh(pem: string): string | undefined {
    const body = /-----BEGIN OPENSSH PRIVATE[ ]KEY-----([\s\S]*?)-----END/.exec(pem)?.[1];
    if (!body) return undefined;
    const raw = Buffer.from(body.replace(/\s+/g, ""), "base64");
    if (raw.subarray(0, opensshMagic.length).toString("latin1") !== opensshMagic) return undefined;
    let offset = opensshMagic.length;
    for (let field = 0; field < 3; field++) offset = readString(raw, offset)[1];
    offset += 4; // number of keys; mailfort uses the first
    return lineOf(readString(raw, offset)[0]);
}

/** PEM (PKCS#1 or PKCS#8) RSA and Ed25519 keys, through node's own key parser. */
function fromPem(pem: string): string | undefined {
    let jwk;
    try {
        jwk = createPublicKey(pem).export({ format: "jwk" });
    } catch {
        return undefined;
    }
    const bytes = (value?: string) => Buffer.from(value ?? "", "base64url");
    if (jwk.kty === "RSA") {
        const type = sshString(Buffer.from("ssh-rsa"));
        return lineOf(Buffer.concat([type, sshMpint(bytes(jwk.e)), sshMpint(bytes(jwk.n))]));
    }
    if (jwk.kty === "OKP" && jwk.crv === "Ed25519") {
        const type = sshString(Buffer.from("ssh-ed25519"));
        return lineOf(Buffer.concat([type, sshString(bytes(jwk.x))]));
    }
    return undefined;
}

/** `<type> <base64>` of the private key's public half, or undefined for a format not read here. */
export function publicKeyOf(privateKey: string): string | undefined {
    try {
        return fromOpenssh(privateKey) ?? fromPem(privateKey);
    } catch {
        // A truncated or damaged key: reading past its end is "cannot tell", not a crash.
        return undefined;
    }
}

/** Whether `publicKey` (`<type> <base64>`) is one of the authorized_keys lines. */
export function isAuthorized(publicKey: string, authorizedKeys: readonly string[]): boolean {
    return authorizedKeys.some((line) => line.split(" ").slice(0, 2).join(" ") === publicKey);
}

/**
 * Why the authorized_keys would lock the deploy key out, or undefined when it lists it.
 * `"unreadable"` when the private key's format is not one read here.
 */
export function deployKeyProblem(
    privateKey: string,
    authorizedKeys: readonly string[],
    configKey: string,
    hostname: string,
): string | undefined {
    const publicKey = publicKeyOf(privateKey);
    if (publicKey === undefined) return "unreadable";
    if (isAuthorized(publicKey, authorizedKeys)) return undefined;
    return "mailfort:sshd.authorizedKeys must list the public key of " +
        `mailfort:${configKey} (${publicKey.slice(0, 32)}...), which Pulumi logs in to ` +
        `${hostname} with; without it the deployment locks itself out`;
}
