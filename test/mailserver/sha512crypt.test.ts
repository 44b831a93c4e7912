import { describe, expect, it } from "vitest";

import { sha512Crypt } from "../../components/mailserver";
import { requireTools, run } from "../support/system";

describe("SHA-512 crypt, checked against OpenSSL's implementation", () => {
    requireTools({ openssl: "openssl" });

    const cases: [string, string][] = [
        ["Hello world!", "saltstring"],
        ["correct horse battery staple €", "abcdefgh12345678"],
        ["p", "x"],
        ["a".repeat(200), "./0123456789AB"],
        ["Tr0ub4dor&3-horse-staple", "Z"],
    ];

    it.each(cases)("hashes %j with salt %j exactly as `openssl passwd -6`", (password, salt) => {
        // The password goes through stdin, as it would on an operator's machine.
        const expected = run("openssl", ["passwd", "-6", "-salt", salt, "-stdin"], {
            input: password,
        }).trim();
        expect(sha512Crypt(password, salt)).toBe(expected);
    });

    it("refuses a salt crypt(3) would mangle", () => {
        expect(() => sha512Crypt("pw", "bad$salt")).toThrow(/salt/);
        expect(() => sha512Crypt("pw", "x".repeat(17))).toThrow(/salt/);
    });
});
