/**
 * The wait for the certificate, run by a real /bin/sh against real certificates made with
 * openssl: it passes only once every name the stack needs is on the certificate.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { waitForCertificateCommand } from "../../components/certbot/certbot";
import { requireTools, run } from "../support/system";

const names = ["mail.example.com", "mta-sts.example.com"];

function selfSigned(dir: string, file: string, sans: string[]): string {
    const path = join(dir, file);
    run("openssl", [
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", join(dir, `${file}.key`), "-out", path, "-days", "2", "-subj", `/CN=${sans[0]}`,
        "-addext", `subjectAltName=${sans.map((n) => `DNS:${n}`).join(",")}`,
    ]);
    return path;
}

/** The rendered command without its sudo (the test already runs as the user it needs). */
function waitFor(path: string, seconds: number) {
    const command = waitForCertificateCommand(path, names, seconds).replace(/^sudo /, "");
    return spawnSync("/bin/sh", ["-c", command], { encoding: "utf8", timeout: 30_000 });
}

describe("waiting for the certificate (real sh and openssl)", () => {
    let dir = "";

    beforeAll(() => {
        requireTools({ openssl: "openssl", grep: "grep" });
        dir = mkdtempSync(join(tmpdir(), "mfcert-"));
    });
    afterAll(() => {
        if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("passes at once when the certificate names the mail host and the MTA-STS host", () => {
        const outcome = waitFor(selfSigned(dir, "both.pem", [...names, "extra.example.com"]), 5);
        expect(outcome.stderr).toBe("");
        expect(outcome.status).toBe(0);
    });

    it("keeps waiting, then fails naming what is missing, for a certificate without a name", () => {
        const outcome = waitFor(selfSigned(dir, "mail-only.pem", ["mail.example.com"]), 1);
        expect(outcome.status).toBe(1);
        expect(outcome.stderr).toMatch(/no certificate for mail.example.com mta-sts.example.com/);
    });

    it("does not take a longer name that merely starts with the one needed", () => {
        const path = selfSigned(dir, "lookalike.pem", [
            "mail.example.com", "mta-sts.example.com.evil.example",
        ]);
        expect(waitFor(path, 1).status).toBe(1);
    });

    it("fails when there is no certificate at all", () => {
        expect(waitFor(join(dir, "absent.pem"), 1).status).toBe(1);
    });
});
