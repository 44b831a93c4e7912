/**
 * Alerts delivered to a real SMTP server on loopback: subject and body, de-duplication, worse
 * re-alerts, recovery notices, the fallback relay (STARTTLS + AUTH from a netrc file) when the
 * primary transport fails, the daily report, and no secret in the security log.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { renderNetrc, renderWebhookConfig } from "../../components/monitoring";
import { requireTools } from "../support/system";
import { backupJobs, backupsOn } from "./backup-jobs";
import { dockerStandin, MonitorBox } from "./harness";
import { certificateExpiringIn, localhostCertificate, Received, SmtpSink } from "./sink";
import { updatesLog } from "./updates-log";

const relayPassword = "Relay-Secret-7f3a9c";

function saslFailures(box: MonitorBox, count: number, ip = "203.0.113.40"): void {
    const line = `Dec  3 19:00:00 mail postfix/submission/smtpd[9]: warning: unknown[${ip}]: ` +
        "SASL LOGIN authentication failed: UGFzc3dvcmQ6\n";
    appendFileSync(box.mailLog, line.repeat(count));
}

const about = (check: string) => (m: Received) => m.headers.subject?.includes(` ${check}:`);

/**
 * A host whose checks are calm apart from what a test provokes. Its containers are the Docker
 * stand-in's (test/monitoring/docker-standin): every test that uses it says so in its name.
 */
function calmBox(
    settings: Record<string, string | number>,
    changes: Record<string, unknown> = {},
    prepare: (box: MonitorBox) => void = () => undefined,
) {
    const thresholds = { FAILED_LOGINS_WARN: 3, FAILED_LOGINS_FAIL: 10 };
    const box = new MonitorBox({ ...thresholds, ...settings }, changes);
    prepare(box);
    certificateExpiringIn(`${box.root}/cert.pem`, 60);
    box.container("mailserver", "running healthy 0");
    box.container("certbot-mailserver", "running none 0");
    expect(box.run("run").status).toBe(0);
    return box;
}

describe(`alerts through the primary transport, a real SMTP sink ${dockerStandin}`, () => {
    let sink: SmtpSink;
    let box: MonitorBox;
    const primary = () => ({
        PRIMARY_TRANSPORT: "smtp", PRIMARY_SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
    });

    beforeAll(async () => {
        requireTools({ python3: "python3", curl: "curl", openssl: "openssl" });
        sink = await SmtpSink.start();
    });
    afterAll(() => sink?.stop());
    afterEach(() => box?.destroy());

    it("alerts once, again when worse, then sends a recovery notice", () => {
        box = calmBox(primary());
        const logins = () => sink.messages().filter(about("failed-logins"));

        saslFailures(box, 5);
        box.run("run");
        expect(logins()).toHaveLength(1);
        const alert = logins()[0]!;
        expect(alert.headers.subject).toBe(
            "[mailfort mail.example.com] ALERT WARN failed-logins: " +
                "total=5 smtp=5 imap=0 ssh=0 top=203.0.113.40=5",
        );
        expect(alert.to).toEqual(["alerts@example.com"]);
        expect(alert.from).toBe("monitor@mail.example.com");
        expect(alert.headers["auto-submitted"]).toBe("auto-generated");
        expect(alert.body).toContain("Figures: total=5 smtp=5 imap=0 ssh=0 top=203.0.113.40=5");
        expect(alert.body).toMatch(/^OK +certificate +days_left=60 /m);

        saslFailures(box, 5);
        box.run("run");
        expect(logins()).toHaveLength(1);

        saslFailures(box, 12);
        box.run("run");
        expect(logins()).toHaveLength(2);
        expect(logins()[1]!.headers.subject).toContain("ALERT FAIL failed-logins: total=12");

        box.run("run");
        expect(logins()).toHaveLength(3);
        expect(logins()[2]!.headers.subject).toBe("[mailfort mail.example.com] RECOVERED " +
            "failed-logins: total=0 smtp=0 imap=0 ssh=0 top=none");

        box.run("run");
        expect(logins()).toHaveLength(3);
        expect(box.security()).toMatch(/ WARN alert failed-logins total=5 /);
        expect(box.security()).toMatch(/ INFO recovery failed-logins total=0 /);
    });

    it("repeats a condition that stays bad after realertAfter", async () => {
        box = calmBox({ ...primary(), REALERT_SECONDS: 1 });
        const before = sink.messages().length;
        saslFailures(box, 5);
        box.run("run");
        await new Promise((resolve) => setTimeout(resolve, 1_100));
        saslFailures(box, 5);
        box.run("run");
        const alerts = sink.messages().slice(before).filter(about("failed-logins"));
        expect(alerts.map((m) => m.headers.subject?.split(":")[0])).toEqual([
            "[mailfort mail.example.com] ALERT WARN failed-logins",
            "[mailfort mail.example.com] ALERT WARN failed-logins",
        ]);
    });

    it("sends through the mail container's sendmail by default", () => {
        box = calmBox({});
        saslFailures(box, 4);
        box.run("run");
        const sent = box.containerMail().filter((m) => m.includes(" failed-logins: "));
        expect(sent).toHaveLength(1);
        expect(sent[0]).toMatch(/^Subject: \[mailfort mail\.example\.com\] ALERT WARN failed-lo/m);
        expect(readFileSync(`${box.docker}/calls`, "utf8")).toContain(
            "exec -i mailserver sendmail -i -f monitor@mail.example.com -- alerts@example.com",
        );
    });

    it("e-mails the daily report to the reports contact and starts a new day", () => {
        box = calmBox(primary());
        saslFailures(box, 2, "198.51.100.9");
        box.run("run");
        saslFailures(box, 1, "198.51.100.9");
        box.run("run");
        expect(box.run("report").status).toBe(0);
        const report = sink.messages().filter((m) => m.headers.subject?.endsWith("daily report"));
        expect(report).toHaveLength(1);
        expect(report[0]!.to).toEqual(["reports@example.com"]);
        expect(report[0]!.body).toContain("Failed logins: smtp=3 imap=0 ssh=0");
        expect(report[0]!.body).toContain("Top failed-login sources: 198.51.100.9=3");
        expect(report[0]!.body).toMatch(/^OK +mailserver +container mailserver running healthy$/m);

        box.run("report");
        const second = sink.messages().filter((m) => m.headers.subject?.endsWith("daily report"));
        expect(second[1]!.body).toContain("Failed logins: smtp=0 imap=0 ssh=0");
    });

    it("alerts on a missing backup and a pending reboot, and the report tells both", () => {
        requireTools({ restic: "restic", logrotate: "logrotate" });
        let jobs: ReturnType<typeof backupJobs> | undefined;
        box = calmBox({ ...primary(), CHECK_BACKUP: "yes" }, backupsOn, (made) => {
            jobs = backupJobs(made);
            writeFileSync(made.updatesProgram, "");
            writeFileSync(made.updatesLog, updatesLog("unattended-upgrades.log", 2));
            writeFileSync(made.rebootRequired, "");
            writeFileSync(`${made.rebootRequired}.pkgs`, "linux-image-6.1.0-28-amd64\n");
        });
        const alerts = (check: string) => sink.messages().filter(about(check));
        expect(alerts("backup").map((m) => m.headers.subject)).toEqual([
            "[mailfort mail.example.com] ALERT FAIL backup: " +
                "last=none age=never (mailfort-backup has not run yet)",
        ]);
        const updates = alerts("security-updates")[0]!.headers.subject;
        expect(updates).toContain(" ALERT WARN security-updates: last_run=");
        expect(updates).toContain(" age=2h upgraded=3 errors=0 reboot=required " +
            "reboot_pkgs=linux-image-6.1.0-28-amd64 auto_reboot=04:00");

        expect(jobs!.run("mailfort-backup").status).toBe(0);
        box.run("run");
        expect(alerts("backup")[1]!.headers.subject)
            .toMatch(/ RECOVERED backup: last=success age=0h finished=\S+ snapshot=[0-9a-f]{8}$/);

        expect(box.run("report").status).toBe(0);
        const report = sink.messages().filter((m) => m.headers.subject?.endsWith("daily report"));
        const summary = report.at(-1)!.body.split("\n").find((l) => l.startsWith("Security"));
        expect(summary).toMatch(/^Security updates: last run \S+, upgraded: libssl3 libxml2 /);
        expect(summary).toContain(" openssl, errors: 0, reboot required: yes (linux-image-6.1.0-");
        expect(summary).toMatch(/-28-amd64\), automatic reboot: 04:00$/);
        expect(report.at(-1)!.body).toMatch(/^OK +backup +last=success age=0h /m);
        expect(report.at(-1)!.body).toMatch(/^WARN security-updates +last_run=/m);
    });
});

describe(`the fallback relay when the primary fails, real SMTP sinks ${dockerStandin}`, () => {
    let relay: SmtpSink;
    let box: MonitorBox;
    let certificate: [string, string];

    let keys: string;

    beforeAll(async () => {
        requireTools({ python3: "python3", curl: "curl", openssl: "openssl" });
        keys = mkdtempSync(join(tmpdir(), "mfmon-keys-"));
        certificate = localhostCertificate(keys);
        relay = await SmtpSink.start({ tls: certificate, password: relayPassword });
    });
    afterAll(() => {
        relay?.stop();
        if (keys) rmSync(keys, { recursive: true, force: true });
    });
    afterEach(() => box?.destroy());

    const relayConfig = () => ({
        kind: "relay", host: "localhost", port: relay.port, user: "alerts", tls: "starttls",
    }) as const;

    function relayBox(settings: Record<string, string | number>) {
        const fallback = relayConfig();
        return calmBox(settings, { monitoring: { fallback } }, (made) => {
            const netrc = renderNetrc(fallback, relayPassword);
            writeFileSync(`${made.root}/relay.netrc`, netrc, { mode: 0o600 });
            made.env = { CURL_CA_BUNDLE: certificate[0] };
        });
    }

    it("delivers over STARTTLS with the netrc login when the mail container is down", () => {
        box = relayBox({});
        box.container("mailserver", "exited none 0");
        saslFailures(box, 4);
        box.run("run");

        const received = relay.messages().filter(about("failed-logins"));
        expect(received).toHaveLength(1);
        expect(received[0])
            .toMatchObject({ user: "alerts", tls: true, to: ["alerts@example.com"] });
        expect(relay.messages().filter(about("mailserver"))[0]?.headers.subject)
            .toContain("ALERT FAIL mailserver");
        expect(box.security()).toMatch(/ WARN mail primary transport container failed: /);
        expect(box.security()).toMatch(/ INFO mail sent transport=fallback:relay /);
    });

    it("delivers when the primary SMTP port is unreachable", () => {
        box = relayBox({ PRIMARY_TRANSPORT: "smtp", PRIMARY_SMTP_URL: "smtp://127.0.0.1:9" });
        const before = relay.messages().length;
        saslFailures(box, 4);
        box.run("run");
        expect(relay.messages().slice(before).filter(about("failed-logins"))).toHaveLength(1);
    });

    it("keeps the relay password out of the security log, the parameters and the output", () => {
        box = relayBox({});
        box.container("mailserver", "exited none 0");
        saslFailures(box, 4);
        const outcome = box.run("run");
        box.status();
        expect(box.security()).toContain("transport=fallback:relay");
        const conf = readFileSync(box.conf, "utf8");
        for (const text of [box.security(), conf, outcome.stdout, outcome.stderr]) {
            expect(text).not.toContain(relayPassword);
        }
    });

    it("retries on the next run when no transport could deliver", () => {
        box = relayBox({ PRIMARY_TRANSPORT: "smtp", PRIMARY_SMTP_URL: "smtp://127.0.0.1:9" });
        writeFileSync(`${box.root}/relay.netrc`, renderNetrc(relayConfig(), "wrong-password"));
        const before = relay.messages().length;
        saslFailures(box, 4);
        box.run("run");
        expect(relay.messages().length).toBe(before);
        expect(box.security()).toMatch(/ ERROR mail fallback transport relay failed: /);

        writeFileSync(`${box.root}/relay.netrc`, renderNetrc(relayConfig(), relayPassword));
        saslFailures(box, 4);
        box.run("run");
        expect(relay.messages().slice(before).filter(about("failed-logins"))).toHaveLength(1);
    });
});

describe(`the fallback webhook, a real HTTPS sink, mail container down ${dockerStandin}`, () => {
    let hook: SmtpSink;
    let box: MonitorBox;
    let keys: string;
    const token = "hook-token-5d41402abc";

    beforeAll(async () => {
        requireTools({ python3: "python3", curl: "curl", openssl: "openssl" });
        keys = mkdtempSync(join(tmpdir(), "mfmon-keys-"));
        const certificate = localhostCertificate(keys);
        hook = await SmtpSink.startWebhook(certificate);
        const url = `https://localhost:${hook.port}/hooks/${token}`;
        const changes = { monitoring: { fallback: { kind: "webhook" } }, alertWebhookUrl: url };
        box = calmBox({}, changes, (made) => {
            const curlrc = join(made.root, "webhook.curlrc");
            writeFileSync(curlrc, renderWebhookConfig(url), { mode: 0o600 });
            made.set({ WEBHOOK_CONFIG: curlrc });
            made.env = { CURL_CA_BUNDLE: certificate[0] };
        });
        box.container("mailserver", "exited none 0");
    });
    afterAll(() => {
        hook?.stop();
        box?.destroy();
        if (keys) rmSync(keys, { recursive: true, force: true });
    });

    it("posts the alert as JSON and keeps the URL token out of the security log", () => {
        saslFailures(box, 4);
        box.run("run");
        const alerts = hook.posts()
            .map((p) => ({ ...p, json: JSON.parse(p.body) as Record<string, string> }))
            .filter((p) => p.json.subject?.includes(" failed-logins: "));
        expect(alerts).toHaveLength(1);
        expect(alerts[0]).toMatchObject({ path: `/hooks/${token}`, type: "application/json" });
        expect(alerts[0]!.json).toMatchObject({
            host: "mail.example.com",
            subject: "[mailfort mail.example.com] ALERT WARN failed-logins: " +
                "total=4 smtp=4 imap=0 ssh=0 top=203.0.113.40=4",
        });
        expect(alerts[0]!.json.text).toContain("Figures: total=4");
        expect(box.security()).toMatch(/ INFO mail sent transport=fallback:webhook /);
        expect(box.security()).not.toContain(token);
        expect(readFileSync(box.conf, "utf8")).not.toContain(token);
    });
});
