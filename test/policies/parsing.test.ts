import { describe, expect, it } from "vitest";

import { generateKeyPairSync } from "node:crypto";

import {
    allowedValues,
    defaultOf,
    dmsReferenceVersion,
    dmsVariables,
    variableFor,
} from "../../policies/dms-env";
import { sshOptions } from "../../policies/lib/ssh-options";
import { tagList, txtText } from "../../policies/lib/txt";
import { rsaModulusBits } from "../../policies/require-dkim-2048-bits";
import { pinProblem } from "../../policies/require-pinned-images";
import { summarizeSpf } from "../../policies/require-strict-spf";
import { dkimPublicKeyData, dkimRecordText, quotedTxt, rsaKeyPair } from "./fixture";

describe("TXT content", () => {
    it("joins quoted 255-byte strings back into one text", () => {
        const content = quotedTxt(dkimRecordText);
        expect(content.split('" "').length).toBeGreaterThan(1);
        expect(txtText(content)).toBe(dkimRecordText);
    });

    it("undoes escapes and takes unquoted content as is", () => {
        expect(txtText('"a\\"b" "c\\\\d" "\\059e"')).toBe('a"bc\\d;e');
        expect(txtText("  v=spf1 -all ")).toBe("v=spf1 -all");
    });

    it("reads tag lists with spaces and keeps the first of a repeated tag", () => {
        const tags = tagList("v=DMARC1 ; P = reject;p=none; rua=mailto:a@example.com");
        expect(tags.get("p")).toBe("reject");
        expect(tags.get("rua")).toBe("mailto:a@example.com");
    });
});

describe("SPF", () => {
    it("counts include, a, mx, ptr, exists and redirect, not ip4, ip6, all or exp", () => {
        const spf = summarizeSpf(
            "v=spf1 ip4:192.0.2.1 ip6:2001:db8::1 a a:mail.example.com/24 mx:example.com " +
                "ptr exists:%{i}.example.com include:_spf.example.net -all " +
                "redirect=_spf.example.org exp=explain.example.com",
        );
        expect(spf).toEqual({ allQualifier: "-", termsAfterAll: false, lookups: 7 });
    });

    it("treats a bare all as +all", () => {
        expect(summarizeSpf("v=spf1 mx all").allQualifier).toBe("+");
    });
});

describe("DKIM key size", () => {
    it("measures SubjectPublicKeyInfo and bare PKCS#1 keys", () => {
        const { publicKey } = rsaKeyPair(2048);
        expect(rsaModulusBits(dkimPublicKeyData(publicKey))).toBe(2048);
        const pkcs1 = publicKey.export({ type: "pkcs1", format: "der" }).toString("base64");
        expect(rsaModulusBits(pkcs1)).toBe(2048);
    });

    it("gives no size for non-keys and non-RSA keys", () => {
        expect(rsaModulusBits("bm90IGEga2V5")).toBeUndefined();
        expect(rsaModulusBits("not base64!")).toBeUndefined();
        const ed = generateKeyPairSync("ed25519").publicKey;
        expect(rsaModulusBits(dkimPublicKeyData(ed))).toBeUndefined();
    });
});

describe("image references", () => {
    it.each([
        "ghcr.io/docker-mailserver/docker-mailserver:15.1.0",
        "certbot/dns-cloudflare:v4.1.1",
        "nginx:1.27.3-alpine",
        "localhost:5000/dms:15.1.0",
        `ghcr.io/docker-mailserver/docker-mailserver@sha256:${"0".repeat(64)}`,
        `nginx:latest@sha256:${"a".repeat(64)}`,
    ])("accepts %s", (reference) => {
        expect(pinProblem(reference)).toBeUndefined();
    });

    it.each([
        ["localhost:5000/dms", /no tag/],
        ["docker-mailserver:15.1", /moving tag 15\.1/],
        ["docker-mailserver:edge", /moving tag edge/],
        ["docker-mailserver:latest", /moving tag latest/],
    ])("refuses %s", (reference, problem) => {
        expect(pinProblem(reference)).toMatch(problem);
    });
});

describe("ssh options", () => {
    it("reads -o pairs, -oKey=Value, one-string '-o Key Value' and JSON-encoded lists", () => {
        const options = sshOptions(JSON.stringify([
            "-o", "StrictHostKeyChecking=yes",
            "-oUserKnownHostsFile=/etc/mailfort/known_hosts",
            "-o KnownHostsCommand /bin/echo %H key",
            "-i", "/home/deploy/.ssh/id_ed25519",
        ]));
        expect(options.get("stricthostkeychecking")).toBe("yes");
        expect(options.get("userknownhostsfile")).toBe("/etc/mailfort/known_hosts");
        expect(options.get("knownhostscommand")).toBe("/bin/echo %H key");
        expect(options.size).toBe(3);
    });

    it("keeps the first value given, as ssh does", () => {
        const options = sshOptions([
            "-o", "StrictHostKeyChecking=no",
            "-o", "StrictHostKeyChecking=yes",
        ]);
        expect(options.get("stricthostkeychecking")).toBe("no");
    });
});

describe("the DMS variable reference", () => {
    it("is the project's copy of DMS 15.1.0's list", () => {
        expect(dmsReferenceVersion).toBe("15.1.0");
        expect(dmsVariables.size).toBe(133);
        expect(allowedValues("TLS_LEVEL")).toEqual(["modern", "intermediate"]);
    });

    it("follows the __FILE form and reads literal defaults only", () => {
        expect(variableFor("RELAY_PASSWORD__FILE")?.name).toBe("RELAY_PASSWORD");
        expect(variableFor("DEFAULT_QUOTA")).toBeUndefined();
        expect(defaultOf("ENABLE_AMAVIS")).toBe("1");
        expect(defaultOf("ENABLE_RSPAMD_REDIS")).toBeUndefined();
        expect(defaultOf("SA_SHORTCIRCUIT_BAYES_SPAM")).toBeUndefined();
    });
});
