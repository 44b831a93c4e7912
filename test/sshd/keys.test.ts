/** The deploy key check, against keys made by the real ssh-keygen in every format it writes. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

import { deployKeyProblem, publicKeyOf } from "../../components/sshd/keys";
import { requireTools, run } from "../support/system";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mfssh-keys-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let made = 0;

function keyPair(type: string, format?: string): { secret: string; public: string } {
    requireTools({ "ssh-keygen": "openssh-client" });
    made += 1;
    const file = path.join(dir, `${type}-${format ?? "openssh"}-${made}`);
    const formatArgs = format ? ["-m", format] : [];
    run("ssh-keygen", ["-q", "-t", type, "-N", "", ...formatArgs, "-C", "me@pc", "-f", file]);
    return {
        secret: fs.readFileSync(file, "utf8"),
        public: fs.readFileSync(`${file}.pub`, "utf8").trim(),
    };
}

describe("publicKeyOf", () => {
    const cases: [string, string | undefined][] = [
        ["ed25519", undefined], ["rsa", undefined], ["ecdsa", undefined],
        ["rsa", "PEM"], ["rsa", "PKCS8"],
    ];
    for (const [type, format] of cases) {
        it(`reads the public half of a ${type} key (${format ?? "OpenSSH"} format)`, () => {
            const pair = keyPair(type, format);
            expect(publicKeyOf(pair.secret)).toBe(pair.public.split(" ").slice(0, 2).join(" "));
        });
    }
});

describe("deployKeyProblem", () => {
    it("accepts authorized_keys that list the deploy key, comment or not", () => {
        const pair = keyPair("ed25519", undefined);
        const bare = pair.public.split(" ").slice(0, 2).join(" ");
        for (const line of [pair.public, bare]) {
            expect(deployKeyProblem(pair.secret, [line], "sshPrivateKey", "mx")).toBeUndefined();
        }
    });

    it("names the config keys when the deploy key is missing", () => {
        const deploy = keyPair("rsa", "PEM");
        const other = keyPair("ecdsa", undefined);
        const problem = deployKeyProblem(deploy.secret, [other.public], "sshPrivateKey", "mx");
        expect(problem).toMatch(/^mailfort:sshd\.authorizedKeys must list .*sshPrivateKey/);
    });

    it("says when it cannot read the key instead of guessing", () => {
        expect(deployKeyProblem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            [], "sshPrivateKey", "mx")).toBe("unreadable");
    });
});
