/**
 * SHA-512 crypt (`$6$`), the scheme DMS stores in postfix-accounts.cf as `{SHA512-CRYPT}`.
 * Node has no crypt(3), and shelling out would put the password on a command line, so this
 * follows Ulrich Drepper's published specification ("Unix crypt using SHA-256 and SHA-512").
 */
import { createHash } from "node:crypto";

const alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** The spec's default; glibc and `openssl passwd -6` omit `rounds=` when it is used. */
const defaultRounds = 5000;

export function sha512Crypt(password: string, salt: string): string {
    if (!/^[./0-9A-Za-z]{1,16}$/.test(salt)) {
        throw new Error("SHA-512 crypt salt must be 1 to 16 characters of [./0-9A-Za-z]");
    }
    const key = Buffer.from(password, "utf8");
    const saltBytes = Buffer.from(salt, "ascii");
    const final = digestRounds(key, saltBytes);
    return `$6$${salt}$${encode(final)}`;
}

function sha512(...parts: Buffer[]): Buffer {
    const hash = createHash("sha512");
    for (const part of parts) hash.update(part);
    return hash.digest();
}

/** Repeats `digest` to fill `length` bytes, as steps 11 and 16 of the spec do. */
function stretch(digest: Buffer, length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i += 64) digest.copy(out, i, 0, Math.min(64, length - i));
    return out;
}

function digestRounds(key: Buffer, salt: Buffer): Buffer {
    const alternate = sha512(key, salt, key);
    const initial = createHash("sha512").update(key).update(salt);
    initial.update(stretch(alternate, key.length));
    for (let n = key.length; n > 0; n >>= 1) initial.update(n & 1 ? alternate : key);
    let current = initial.digest();

    const keyBytes = stretch(sha512(...Array(key.length).fill(key)), key.length);
    const saltRepeat = stretch(sha512(...Array(16 + current[0]!).fill(salt)), salt.length);

    for (let round = 0; round < defaultRounds; round++) {
        const hash = createHash("sha512");
        hash.update(round & 1 ? keyBytes : current);
        if (round % 3) hash.update(saltRepeat);
        if (round % 7) hash.update(keyBytes);
        hash.update(round & 1 ? current : keyBytes);
        current = hash.digest();
    }
    return current;
}

/** The spec's byte order for turning the 64-byte digest into 86 crypt-base64 characters. */
const order = [
    [0, 21, 42],
    [22, 43, 1],
    [44, 2, 23],
    [3, 24, 45],
    [25, 46, 4],
    [47, 5, 26],
    [6, 27, 48],
    [28, 49, 7],
    [50, 8, 29],
    [9, 30, 51],
    [31, 52, 10],
    [53, 11, 32],
    [12, 33, 54],
    [34, 55, 13],
    [56, 14, 35],
    [15, 36, 57],
    [37, 58, 16],
    [59, 17, 38],
    [18, 39, 60],
    [40, 61, 19],
    [62, 20, 41],
] as const;

function encode(digest: Buffer): string {
    let out = "";
    for (const [a, b, c] of order) out += base64Triplet(digest[a]!, digest[b]!, digest[c]!, 4);
    out += base64Triplet(0, 0, digest[63]!, 2);
    return out;
}

function base64Triplet(b2: number, b1: number, b0: number, chars: number): string {
    let value = (b2 << 16) | (b1 << 8) | b0;
    let out = "";
    for (let i = 0; i < chars; i++) {
        out += alphabet[value & 0x3f];
        value >>= 6;
    }
    return out;
}
