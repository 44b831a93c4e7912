/**
 * The MTA-STS endpoint for real: the rendered nginx configuration checked by `nginx -t` and
 * served by Debian's nginx inside a network namespace (its own loopback, so port 443 is the
 * test's), with a certificate from a CA made in the test; mailauth fetches and validates it.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { dnsRecords } from "../../components/dns";
import { mtaStsPolicy, mtaStsSites } from "../../components/mtasts";
import { Lab, Namespace } from "../support/netns";
import { exampleConfig, repoRoot } from "../support/stack";
import { requireTools, run } from "../support/system";

const work = mkdtempSync(join(tmpdir(), "mailfort-mtasts-"));
// nginx's workers run unprivileged and must reach the policy and the logs, as on the host.
chmodSync(work, 0o755);
const config = exampleConfig();
const host = config.hosts[0]!;

/** A CA and a certificate for mta-sts.example.com signed by it, made with openssl. */
function makeCertificates(): string {
    const live = join(work, "live", host.hostname);
    mkdirSync(live, { recursive: true });
    const ca = join(work, "ca");
    run("openssl", [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        `${ca}.key`,
        "-out",
        `${ca}.pem`,
        "-days",
        "2",
        "-subj",
        "/CN=mailfort test CA",
    ]);
    run("openssl", [
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        join(live, "privkey.pem"),
        "-out",
        join(work, "site.csr"),
        "-subj",
        "/CN=mta-sts.example.com",
    ]);
    writeFileSync(
        join(work, "san.ext"),
        "subjectAltName=DNS:mta-sts.example.com,DNS:mail.example.com\n",
    );
    run("openssl", [
        "x509",
        "-req",
        "-in",
        join(work, "site.csr"),
        "-CA",
        `${ca}.pem`,
        "-CAkey",
        `${ca}.key`,
        "-CAcreateserial",
        "-out",
        join(live, "fullchain.pem"),
        "-days",
        "2",
        "-extfile",
        join(work, "san.ext"),
    ]);
    return `${ca}.pem`;
}

/** The repo's nginx.conf with the container's absolute paths moved into the test folder. */
function relocatedNginxConf(): string {
    const text = readFileSync(join(repoRoot, "components/mtasts/nginx.conf"), "utf8")
        .replaceAll("/var/log/nginx", join(work, "logs"))
        .replaceAll("/etc/nginx/mailfort/sites.conf", join(work, "sites.conf"));
    const path = join(work, "nginx.conf");
    writeFileSync(path, text);
    return path;
}

describe("MTA-STS endpoint served by a real nginx", () => {
    let lab: Lab;
    let server: Namespace;
    let caFile: string;
    let nginxConf: string;
    const nginxArgs = () => [
        "-c",
        nginxConf,
        "-e",
        join(work, "logs", "error.log"),
        "-g",
        `pid ${join(work, "nginx.pid")};`,
    ];

    beforeAll(async () => {
        requireTools({ nginx: "nginx-light", openssl: "openssl", curl: "curl" });
        lab = new Lab("mfsts");
        server = lab.namespace("server");
        caFile = makeCertificates();
        mkdirSync(join(work, "logs"), { recursive: true });
        for (const d of config.domains) {
            mkdirSync(join(work, "www", d.name), { recursive: true });
            writeFileSync(join(work, "www", d.name, "mta-sts.txt"), mtaStsPolicy(config));
        }
        writeFileSync(
            join(work, "sites.conf"),
            mtaStsSites(host, config, {
                webRoot: join(work, "www"),
                certificates: join(work, "live"),
            }),
        );
        nginxConf = relocatedNginxConf();
        server.start([
            "nginx",
            ...nginxArgs(),
            "-g",
            `daemon off; pid ${join(work, "nginx.pid")};`,
        ]);
        await waitForPort(server, 443);
    });

    afterAll(() => {
        lab?.destroy();
        rmSync(work, { recursive: true, force: true });
    });

    const curl = (args: string[]) =>
        server.attempt([
            "curl",
            "--silent",
            "--show-error",
            "--max-time",
            "5",
            "--cacert",
            caFile,
            "--resolve",
            "mta-sts.example.com:443:127.0.0.1",
            ...args,
        ]);

    it("passes nginx -t", () => {
        const check = server.attempt(["nginx", "-t", ...nginxArgs()]);
        expect(check.status, check.stderr).toBe(0);
        expect(check.stderr).toMatch(/syntax is ok/);
    });

    it("is fetched, parsed and applied by mailauth's MTA-STS client", () => {
        const records = join(work, "records.json");
        const planned = dnsRecords(config, {}).map((r) => ({ ...r, content: r.content }));
        const loopback = planned
            .map((r) =>
                r.name === "mta-sts.example.com" && r.type === "A"
                    ? { ...r, content: "127.0.0.1" }
                    : r,
            )
            .filter((r) => !(r.name === "mta-sts.example.com" && r.type === "AAAA"));
        writeFileSync(records, JSON.stringify(loopback));
        const client = server.attempt([
            "env",
            `NODE_EXTRA_CA_CERTS=${caFile}`,
            `NODE_PATH=${join(repoRoot, "node_modules")}`,
            process.execPath,
            join(__dirname, "client.cjs"),
            records,
            "example.com",
            "mail.example.com",
            "mx.evil.example.net",
        ]);
        expect(client.status, client.stderr).toBe(0);
        const result = JSON.parse(client.stdout) as Record<string, unknown>;
        expect(result).toMatchObject({
            status: "found",
            mode: "enforce",
            mx: ["mail.example.com"],
            maxAge: 604800,
        });
        expect(result.verdicts).toEqual({ "mail.example.com": true, "mx.evil.example.net": false });
    });

    it("serves the policy with security headers and no version, and 404 for any other path", () => {
        const policy = curl(["--include", "https://mta-sts.example.com/.well-known/mta-sts.txt"]);
        expect(policy.stdout).toMatch(/^HTTP\/1\.1 200/);
        expect(policy.stdout).toMatch(/^Strict-Transport-Security: max-age=31536000/m);
        expect(policy.stdout).toMatch(/^X-Content-Type-Options: nosniff/m);
        expect(policy.stdout).toMatch(/^Server: nginx\r?$/m);
        expect(policy.stdout).toContain(
            "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n",
        );
        for (const path of [
            "/",
            "/.well-known/",
            "/mta-sts.txt",
            "/.well-known/mta-sts.txt.bak",
            "/../etc/passwd",
        ]) {
            const other = curl([
                "--output",
                "/dev/null",
                "--write-out",
                "%{http_code}",
                `https://mta-sts.example.com${path}`,
            ]);
            expect(other.stdout, path).toBe("404");
        }
    });

    it("gives plain HTTP no policy: nothing listens on 80 and 443 refuses cleartext", () => {
        expect(curl(["http://mta-sts.example.com/.well-known/mta-sts.txt"]).status).not.toBe(0);
        const cleartext = server.attempt([
            "curl",
            "--silent",
            "--max-time",
            "5",
            "http://127.0.0.1:443/.well-known/mta-sts.txt",
            "-H",
            "Host: mta-sts.example.com",
        ]);
        expect(cleartext.stdout).not.toContain("STSv1");
        expect(cleartext.stdout).toMatch(/400/);
    });

    it("refuses TLS for names it does not serve and TLS older than 1.2", () => {
        const unknown = server.attempt([
            "curl",
            "--silent",
            "--max-time",
            "5",
            "--cacert",
            caFile,
            "--resolve",
            "other.example.com:443:127.0.0.1",
            "https://other.example.com/.well-known/mta-sts.txt",
        ]);
        expect(unknown.status).not.toBe(0);
        const old = curl([
            "--tlsv1.1",
            "--tls-max",
            "1.1",
            "https://mta-sts.example.com/.well-known/mta-sts.txt",
        ]);
        expect(old.status).not.toBe(0);
    });

    it("limits requests per client and logs where Fail2Ban's nginx-limit-req reads", () => {
        const codes = Array.from(
            { length: 40 },
            () =>
                curl([
                    "--output",
                    "/dev/null",
                    "--write-out",
                    "%{http_code}",
                    "https://mta-sts.example.com/.well-known/mta-sts.txt",
                ]).stdout,
        );
        expect(codes.filter((c) => c === "200").length).toBeGreaterThan(0);
        expect(codes.filter((c) => c === "429").length).toBeGreaterThan(0);
        expect(readFileSync(join(work, "logs", "error.log"), "utf8")).toMatch(
            /limiting requests, excess: .* by zone "mtasts_req", client: 127\.0\.0\.1/,
        );
    });
});

async function waitForPort(ns: Namespace, port: number): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
        if (ns.attempt(["nc", "-z", "-w", "1", "127.0.0.1", String(port)]).status === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`nothing listens on port ${port} after 5 seconds`);
}
