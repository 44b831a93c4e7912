/**
 * Starts the real SMTP server in smtp-sink.py on a free loopback port and reads what it received.
 */
import { ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { run } from "../support/system";

export interface Received {
    from: string;
    to: string[];
    user: string | null;
    tls: boolean;
    data: string;
    headers: Record<string, string>;
    body: string;
}

export class SmtpSink {
    private constructor(
        readonly port: number,
        private readonly dir: string,
        private readonly child: ChildProcess,
    ) {}

    /** @param tls Certificate and key files: the sink then offers STARTTLS and AUTH after it. */
    static async start(options: { tls?: [string, string]; password?: string } = {}) {
        const dir = mkdtempSync(join(tmpdir(), "mfmon-sink-"));
        const args = [join(__dirname, "smtp-sink.py"), dir];
        if (options.tls) args.push("--tls", ...options.tls);
        if (options.password) args.push("--password", options.password);
        return SmtpSink.spawn(dir, args);
    }

    /** The HTTPS webhook sink (webhook-sink.py) instead: each POST is stored as a message. */
    static async startWebhook(tls: [string, string]): Promise<SmtpSink> {
        const dir = mkdtempSync(join(tmpdir(), "mfmon-hook-"));
        return SmtpSink.spawn(dir, [join(__dirname, "webhook-sink.py"), dir, ...tls]);
    }

    private static async spawn(dir: string, args: string[]): Promise<SmtpSink> {
        const child = spawn("python3", args, { stdio: ["ignore", "pipe", "inherit"] });
        const port = await new Promise<number>((resolve, reject) => {
            const fail = () => reject(new Error("the sink did not start"));
            const timer = setTimeout(fail, 10_000);
            child.stdout?.once("data", (chunk: Buffer) => {
                clearTimeout(timer);
                const match = /READY (\d+)/.exec(chunk.toString());
                if (match) resolve(Number(match[1]));
                else reject(new Error(`the SMTP sink said: ${chunk.toString()}`));
            });
            child.once("exit", (code) => reject(new Error(`the SMTP sink exited with ${code}`)));
        });
        return new SmtpSink(port, dir, child);
    }

    /** What the webhook sink received: request path, content type and body. */
    posts(): { path: string; type: string; body: string }[] {
        return readdirSync(this.dir)
            .filter((f) => f.endsWith(".json"))
            .sort((a, b) => parseInt(a) - parseInt(b))
            .map((f) => JSON.parse(readFileSync(join(this.dir, f), "utf8")));
    }

    messages(): Received[] {
        return readdirSync(this.dir)
            .filter((f) => f.endsWith(".json"))
            .sort((a, b) => parseInt(a) - parseInt(b))
            .map((f) => parseMessage(JSON.parse(readFileSync(join(this.dir, f), "utf8"))));
    }

    stop(): void {
        if (this.child.exitCode === null) this.child.kill("SIGKILL");
        rmSync(this.dir, { recursive: true, force: true });
    }
}

/** Splits a stored message into headers and body. */
export function parseMessage(raw: Omit<Received, "headers" | "body">): Received {
    const [head = "", ...rest] = raw.data.split("\n\n");
    const headers: Record<string, string> = {};
    for (const line of head.split("\n")) {
        const split = line.indexOf(":");
        if (split > 0) headers[line.slice(0, split).toLowerCase()] = line.slice(split + 1).trim();
    }
    return { ...raw, headers, body: rest.join("\n\n") };
}

/** A self-signed certificate for localhost, for the relay sink's STARTTLS. */
export function localhostCertificate(dir: string): [string, string] {
    const cert = join(dir, "sink-cert.pem");
    const key = join(dir, "sink-key.pem");
    run("openssl", [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
        "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
    ]);
    return [cert, key];
}

/** A certificate that expires in `days` days, as certbot's cert.pem would be. */
export function certificateExpiringIn(path: string, days: number): void {
    run("openssl", [
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", `${path}.key`, "-out", path, "-days", String(days),
        "-subj", "/CN=mail.example.com",
    ]);
}
