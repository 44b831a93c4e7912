/**
 * The offline preview as a newcomer runs it: `npm run plan`, no Pulumi CLI, no credentials, no
 * network. Checks the exit codes and the build folder it writes.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { exampleStackFile, repoRoot } from "../support/stack";

const work = mkdtempSync(join(tmpdir(), "mailfort-plan-"));

function plan(args: string[]) {
    const result = spawnSync("npx", ["tsx", "preview/plan.ts", "--out", work, ...args], {
        cwd: repoRoot,
        encoding: "utf8",
        timeout: 180_000,
    });
    return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

/** A copy of the example stack file with one line replaced. */
function variant(name: string, from: string, to: string): string {
    const text = readFileSync(exampleStackFile, "utf8");
    if (!text.includes(from)) throw new Error(`example stack has no ${from}`);
    const path = join(work, `Pulumi.${name}.yaml`);
    writeFileSync(path, text.replace(from, to));
    return path;
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("npm run plan on the example stack", () => {
    let run: { status: number | null; out: string };
    const build = join(work, "prod");

    beforeAll(() => {
        run = plan(["--stack", "prod"]);
    });

    it("exits 0 and prints the resource tree and the policy verdicts", () => {
        expect(run.status, run.out).toBe(0);
        expect(run.out).toContain("mailfort:mailserver:Mailserver mail-mail");
        expect(run.out).toMatch(/Policies: every policy of the mailfort pack passed/);
    });

    it("writes the plan, the policy report and the zone file", () => {
        const planJson = JSON.parse(readFileSync(join(build, "plan.json"), "utf8")) as {
            type: string;
            parent: string;
        }[];
        expect(planJson.some((r) => r.type === "docker:index/container:Container")).toBe(true);
        expect(planJson.every((r) => typeof r.parent === "string")).toBe(true);
        expect(JSON.parse(readFileSync(join(build, "policy-report.json"), "utf8"))).toEqual([]);
        const zone = readFileSync(join(build, "dns.zone"), "utf8");
        expect(zone).toMatch(
            /^mail\._domainkey\.example\.com\.\t3600\tIN\tTXT\t"v=DKIM1; k=rsa; p=MII/m,
        );
    });

    it("writes each host file at its host path, secrets replaced by a notice", () => {
        const host = join(build, "hosts", "mail.example.com");
        expect(readFileSync(join(host, "opt/mailfort/dms/config/postfix-main.cf"), "utf8")).toMatch(
            /^smtpd_helo_required = yes$/m,
        );
        expect(
            readFileSync(join(host, "opt/mailfort/dms/config/postfix-accounts.cf"), "utf8"),
        ).toMatch(/^\[secret: redacted/);
        expect(readFileSync(join(host, "opt/mailfort/certbot/cloudflare.ini"), "utf8")).toMatch(
            /^\[secret: redacted/,
        );
        expect(readFileSync(join(build, "hosts", "MANIFEST"), "utf8")).toContain(
            "mail.example.com\t0600\troot:root\tsecret\t/opt/mailfort/certbot/cloudflare.ini",
        );
    });

    it("leaks no secret into anything it wrote", () => {
        const everything = spawnSync(
            "grep",
            ["-rlE", "BEGIN (RSA |OPENSSH )?PRIVATE KEY|\\$6\\$|preview-token", build],
            { encoding: "utf8" },
        );
        expect(everything.stdout).toBe("");
        const planText = readFileSync(join(build, "plan.json"), "utf8");
        expect(planText).not.toMatch(
            /BEGIN RSA PRIVATE KEY|BEGIN OPENSSH PRIVATE KEY|preview-token/,
        );
    });
});

describe("npm run plan on broken stacks", () => {
    it("exits 2 on a config error, naming the key, the value and what is valid", () => {
        const config = variant("broken", "ipv4: 203.0.113.10", "ipv4: 203.0.113.300");
        const run = plan(["--stack", "broken", "--config", config]);
        expect(run.status, run.out).toBe(2);
        expect(run.out).toContain(
            'mailfort:hosts[0].ipv4: "203.0.113.300" must be an IPv4 address',
        );
        expect(existsSync(join(work, "broken"))).toBe(false);
    });

    it("exits 1 when a mandatory policy is violated, and reports it", () => {
        const config = variant(
            "weak-tls",
            "  mailfort:dmarc:",
            "  mailfort:mail:\n    tlsLevel: intermediate\n  mailfort:dmarc:",
        );
        const run = plan(["--stack", "weak-tls", "--config", config]);
        expect(run.status, run.out).toBe(1);
        expect(run.out).toMatch(/\[mandatory\] [a-z-]*tls[a-z-]*/);
        const report = JSON.parse(
            readFileSync(join(work, "weak-tls", "policy-report.json"), "utf8"),
        ) as { level: string; message: string }[];
        expect(report.some((v) => v.level === "mandatory" && /TLS_LEVEL/.test(v.message))).toBe(
            true,
        );
    });

    it("exits 0 with an advisory for DMARC p=none", () => {
        const config = variant("dmarc-none", "policy: quarantine", "policy: none");
        const run = plan(["--stack", "dmarc-none", "--config", config]);
        expect(run.status, run.out).toBe(0);
        expect(run.out).toMatch(/\[advisory\]/);
    });
});

describe("npm run plan -- --diff", () => {
    it("summarises what a change would touch, for a pull-request comment", () => {
        const base = join(work, "diff-base");
        expect(plan(["--stack", "prod", "--out", base]).status).toBe(0);
        const config = variant(
            "more-accounts",
            "  mailfort:aliases:\n",
            "    - address: new@example.com\n  mailfort:aliases:\n",
        );
        const run = plan([
            "--stack",
            "prod",
            "--config",
            config,
            "--out",
            base,
            "--diff",
            join(base, "prod"),
        ]);
        expect(run.status, run.out).toBe(0);
        const summary = readFileSync(join(base, "prod", "changes.md"), "utf8");
        expect(summary).toMatch(
            /2 to create, 0 to replace, 1 to update, 0 to delete, \d+ unchanged\./,
        );
        expect(summary).toContain(
            "| update | `mail-mail-accounts-opt-mailfort-dms-config-postfix-accounts-cf` |",
        );
        expect(summary).not.toContain("mail-mail-container");
    });
});
