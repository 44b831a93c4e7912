/**
 * The stack's mail authentication checked by a real verifier (mailauth): the DKIM key that lands
 * on the host signs a message that verifies against the TXT record the stack publishes, and SPF
 * and DMARC judge the host's address as receivers would. A resolver in the test answers from the
 * planned records, so nothing leaves the machine.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";

import { plannedHostFiles, plannedRecords } from "../../preview/report";
import { runProgram } from "../../preview/run";
import { unwrap } from "../../preview/secrets";
import { readStackFile } from "../../preview/stack-file";
import { txtText, ResolvedRecord } from "../../components/dns";
import { exampleStackFile, repoRoot } from "../support/stack";

// mailauth 4 ships no type definitions; its documented entry points are these modules.
/* eslint-disable @typescript-eslint/no-require-imports */
const { authenticate } = require("mailauth");
const { dkimSign } = require("mailauth/lib/dkim/sign");
const { dkimVerify } = require("mailauth/lib/dkim/verify");
const { spf } = require("mailauth/lib/spf");
/* eslint-enable @typescript-eslint/no-require-imports */

type Resolver = (name: string, type: string) => Promise<unknown>;

function resolverFor(records: ResolvedRecord[]): Resolver {
    return async (name, type) => {
        const found = records.filter((r) => r.name === name.replace(/\.$/, "") && r.type === type);
        if (found.length === 0)
            throw Object.assign(new Error(`no ${type} for ${name}`), { code: "ENOTFOUND" });
        switch (type) {
            case "TXT":
                // As Node's resolveTxt: the character-strings of each record, unjoined.
                return found.map((r) =>
                    [...String(r.content).matchAll(/"([^"]*)"/g)].map((m) => m[1]),
                );
            case "MX":
                return found.map((r) => ({ exchange: r.content, priority: r.priority }));
            default:
                return found.map((r) => r.content);
        }
    };
}

const message = (from: string) =>
    Buffer.from(
        [
            `From: Admin <${from}>`,
            "To: someone@example.org",
            "Subject: mailfort DKIM check",
            "Date: Thu, 03 Dec 2026 12:00:00 +0000",
            "Message-ID: <dkim-check@example.com>",
            "",
            "Signed with the key mailfort put on the host.",
            "",
        ].join("\r\n"),
    );

describe("mail authentication of the example stack, by mailauth", () => {
    let records: ResolvedRecord[];
    let dkimKey: string;

    beforeAll(async () => {
        const run = await runProgram(
            "prod",
            readStackFile(exampleStackFile),
            join(repoRoot, "index.ts"),
        );
        records = plannedRecords(run.resources);
        const keyFile = run.resources.find((r) =>
            String(r.inputs.create ?? "").includes("/rspamd/dkim/"),
        );
        dkimKey = String((unwrap(keyFile?.inputs) as { stdin: string }).stdin);
        // The key travels as a secret and is redacted in the files written for review.
        expect(
            plannedHostFiles(run.resources, {}).find((f) => f.path.includes("/rspamd/dkim/"))
                ?.secret,
        ).toBe(true);
    });

    it("publishes the DKIM key split into 255-byte strings", () => {
        const dkim = records.find((r) => r.name === "mail._domainkey.example.com");
        const strings = [...String(dkim?.content).matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? "");
        expect(strings.length).toBeGreaterThan(1);
        expect(strings.every((s) => Buffer.byteLength(s) <= 255)).toBe(true);
        expect(txtText(String(dkim?.content))).toMatch(/^v=DKIM1; k=rsa; p=MII/);
    });

    it("verifies mail signed with the host's DKIM key against the published record", async () => {
        const signed = await dkimSign(message("admin@example.com"), {
            canonicalization: "relaxed/relaxed",
            signatureData: [
                { signingDomain: "example.com", selector: "mail", privateKey: dkimKey },
            ],
        });
        expect(signed.errors).toEqual([]);
        const full = Buffer.concat([Buffer.from(signed.signatures), message("admin@example.com")]);
        const result = await dkimVerify(full, { resolver: resolverFor(records) });
        expect(result.results[0]?.status.result).toBe("pass");
        expect(result.results[0]?.publicKey).toBeTruthy();
    });

    it("fails DKIM for a message signed with any other key", async () => {
        const { generateKeyPairSync } = await import("node:crypto");
        const other = generateKeyPairSync("rsa", { modulusLength: 2048 })
            .privateKey.export({ type: "pkcs1", format: "pem" })
            .toString();
        const signed = await dkimSign(message("admin@example.com"), {
            signatureData: [{ signingDomain: "example.com", selector: "mail", privateKey: other }],
        });
        const full = Buffer.concat([Buffer.from(signed.signatures), message("admin@example.com")]);
        const result = await dkimVerify(full, { resolver: resolverFor(records) });
        expect(result.results[0]?.status.result).toBe("fail");
    });

    it("passes SPF for the host's addresses and fails it for any other", async () => {
        const check = (ip: string) =>
            spf({
                ip,
                sender: "admin@example.com",
                helo: "mail.example.com",
                mta: "mx.example.org",
                resolver: resolverFor(records),
            });
        expect((await check("203.0.113.10")).status.result).toBe("pass");
        expect((await check("2001:db8::10")).status.result).toBe("pass");
        expect((await check("192.0.2.99")).status.result).toBe("fail");
    });

    it("passes DMARC for the host's signed mail and quarantines forgeries", async () => {
        const signed = await dkimSign(message("admin@example.com"), {
            signatureData: [
                { signingDomain: "example.com", selector: "mail", privateKey: dkimKey },
            ],
        });
        const full = Buffer.concat([Buffer.from(signed.signatures), message("admin@example.com")]);
        const options = {
            sender: "admin@example.com",
            helo: "mail.example.com",
            mta: "mx.example.org",
            resolver: resolverFor(records),
        };
        const genuine = await authenticate(full, { ...options, ip: "203.0.113.10" });
        expect(genuine.dmarc.status.result).toBe("pass");
        const forged = await authenticate(message("admin@example.com"), {
            ...options,
            ip: "198.51.100.7",
        });
        expect(forged.dmarc.status.result).toBe("fail");
        expect(forged.dmarc.policy).toBe("quarantine");
    });
});
