/**
 * The rendered drop-in in a real Debian sshd, applied by the real apply script: ssh-audit finds
 * no failures, keys log in, passwords and root do not, a broken candidate never lands and an
 * unconfirmed change rolls itself back.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { HostConfig } from "../../config";
import { sshdSchema } from "../../config/sections/sshd";
import {
    renderApplyConf,
    renderAuthorizedKeys,
    renderSshdDropin,
} from "../../components/sshd";
import {
    deployPassword,
    deployUser,
    rootPassword,
    sleep,
    sshdPort,
    SshdLab,
    waitFor,
} from "./sshd-lab";

const script = path.join(__dirname, "../../components/sshd/mailfort-sshd-apply");
const guardSeconds = 3;

let lab: SshdLab;

function host(user: string): HostConfig {
    return {
        hostname: "mail.example.com",
        ipv4: "192.0.2.10",
        ssh: {
            user,
            port: sshdPort,
            hostKey: lab.hostPublicKey,
            privateKeyConfigKey: "sshPrivateKey",
        },
    };
}

function settings(overrides: Record<string, unknown> = {}) {
    return sshdSchema.parse({ authorizedKeys: [lab.clientPublicKey], ...overrides });
}

/**
 * Stages a candidate as the component would, with the apply parameters pointed at the lab.
 * `keys` undefined stages no authorized_keys, as when none are configured.
 */
function stage(user: string, dropin: string, keys: string | undefined): void {
    const staging = path.join(lab.root, "staging");
    fs.mkdirSync(staging, { recursive: true });
    fs.writeFileSync(path.join(staging, "10-mailfort.conf"), dropin);
    if (keys !== undefined) fs.writeFileSync(path.join(staging, "authorized_keys"), keys);
    const overrides = [
        `SSHD_CONFIG=${lab.mainConfig}`,
        `DROPIN=${lab.dropinDir}/10-mailfort.conf`,
        `CANDIDATE=${staging}/10-mailfort.conf`,
        `KEYS_CANDIDATE=${keys === undefined ? "" : `${staging}/authorized_keys`}`,
        `STATE_DIR=${lab.root}/state`,
        `GUARD_SECONDS=${guardSeconds}`,
        "GUARD_SCHEDULER=background",
        "RELOAD=pidfile",
        `SSHD_PIDFILE=${lab.root}/run/sshd.pid`,
        `SECURITY_LOG=${lab.root}/security.log`,
    ];
    const rendered = renderApplyConf(host(user), settings());
    fs.writeFileSync(path.join(lab.root, "apply.conf"), rendered + overrides.join("\n") + "\n");
}

function stageRendered(user: string, overrides: Record<string, unknown> = {}): void {
    const sshd = settings(overrides);
    stage(user, renderSshdDropin(host(user), sshd), renderAuthorizedKeys(sshd));
}

function applyScript(step: "apply" | "confirm" | "rollback") {
    return lab.inside(["bash", script, step], { MAILFORT_SSHD_CONF: `${lab.root}/apply.conf` });
}

function installedDropin(): string {
    return fs.readFileSync(path.join(lab.dropinDir, "10-mailfort.conf"), "utf8");
}

function keyLogin(user: string) {
    return lab.sshWithKey(user, sshdPort, ["id", "-un"]);
}

/** Waits until the reloaded sshd accepts the deploy user's key again. */
function waitForKeyLogin(user: string): void {
    waitFor(`key login of ${user}`, () => keyLogin(user).status === 0);
}

function effective(user: string): string {
    const spec = `user=${user},host=client.example.com,addr=127.0.0.1`;
    const dump = lab.inside(["/usr/sbin/sshd", "-T", "-f", lab.mainConfig, "-C", spec]);
    if (dump.status !== 0) throw new Error(`sshd -T failed: ${dump.stderr}`);
    return dump.stdout;
}

beforeAll(() => {
    lab = new SshdLab("mfssh");
    // Stock Ubuntu-like sshd on port 22 of the lab namespace, passwords on via cloud-init.
    lab.start(22);
});

afterAll(() => lab?.destroy());

describe("the sshd drop-in in a real sshd", () => {
    it("stock sshd accepts the deploy user's password (control for the refusal below)", () => {
        const login = lab.sshWithPassword(deployUser, deployPassword, 22);
        expect(login.stderr).toContain("Authentications that can continue: publickey,password");
        expect(login.stdout.trim()).toBe(deployUser);
    });

    it("applies the rendered drop-in, moves sshd to host.ssh.port and is confirmed", () => {
        stageRendered(deployUser);
        const applied = applyScript("apply");
        expect(applied.stderr).toContain("awaiting confirmation");
        expect(applied.status).toBe(0);
        waitFor("sshd on the configured port", () => lab.listening(sshdPort));
        waitForKeyLogin(deployUser);
        const confirmed = applyScript("confirm");
        expect(confirmed.status, confirmed.stderr).toBe(0);
        expect(confirmed.stderr).toContain("confirmed");
        expect(lab.listening(22)).toBe(false);
        const keysFile = path.join(lab.homeOf(deployUser), ".ssh/authorized_keys");
        const keys = fs.readFileSync(keysFile, "utf8");
        expect(keys).toContain(lab.clientPublicKey);
    });

    it("wins over the stock config and cloud-init's drop-in", () => {
        const config = effective(deployUser);
        for (const line of [
            "passwordauthentication no",
            "kbdinteractiveauthentication no",
            "permitrootlogin no",
            "x11forwarding no",
            "allowtcpforwarding no",
            "allowagentforwarding no",
            "allowstreamlocalforwarding no",
            "permittunnel no",
            "gatewayports no",
            "disableforwarding yes",
            "maxauthtries 3",
            "logingracetime 30",
            "loglevel VERBOSE",
            `allowusers ${deployUser}`,
            "authenticationmethods publickey",
            "clientaliveinterval 300",
        ]) {
            expect(config).toContain(`\n${line}\n`);
        }
    });

    it("passes ssh-audit without failures", () => {
        const audit = lab.server.attempt(["ssh-audit", "-n", "-p", String(sshdPort), "127.0.0.1"]);
        expect(audit.stdout).toContain("(kex) curve25519-sha256");
        const findings = audit.stdout.split("\n").filter((line) => /\[(fail|warn)\]/.test(line));
        // The warnings go to the test output so the report can quote them.
        console.log(`ssh-audit findings:\n${findings.join("\n") || "(none)"}`);
        expect(audit.stdout).not.toContain("[fail]");
    });

    it("lets the deploy user in with the configured key", () => {
        const login = keyLogin(deployUser);
        expect(login.status, login.stderr).toBe(0);
        expect(login.stdout.trim()).toBe(deployUser);
    });

    it("refuses a key that is not configured", () => {
        const otherKey = path.join(lab.root, "client/other_ed25519");
        const other = lab.sshWithKey(deployUser, sshdPort, ["true"], [], otherKey);
        expect(other.status).not.toBe(0);
        expect(other.stderr).toContain("Permission denied (publickey)");
    });

    it("refuses the correct password and offers only publickey", () => {
        const login = lab.sshWithPassword(deployUser, deployPassword, sshdPort);
        expect(login.status).not.toBe(0);
        expect(login.stdout).not.toContain(deployUser);
        expect(login.stderr).toMatch(/Authentications that can continue: publickey\r?\n/);
        expect(login.stderr).toContain("Permission denied (publickey)");
    });

    it("refuses root even with a valid key, since the deploy user is not root", () => {
        const rootSsh = path.join(lab.homeOf("root"), ".ssh");
        fs.mkdirSync(rootSsh, { recursive: true, mode: 0o700 });
        fs.writeFileSync(path.join(rootSsh, "authorized_keys"), `${lab.clientPublicKey}\n`);
        const login = keyLogin("root");
        expect(login.status).not.toBe(0);
        expect(login.stderr).toContain("Permission denied (publickey)");
    });

    it("refuses every kind of forwarding", () => {
        const forward = lab.sshWithKey(deployUser, sshdPort, [], [
            "-N", "-o", "ExitOnForwardFailure=yes", "-R", "127.0.0.1:2299:127.0.0.1:22",
        ]);
        expect(forward.status).not.toBe(0);
        expect(forward.stderr).toContain("remote port forwarding failed");
    });
});

describe("the apply script's guards", () => {
    it("keeps the old drop-in when sshd -t rejects the candidate", () => {
        const before = installedDropin();
        const broken = renderSshdDropin(host(deployUser), settings())
            .replace(/^Ciphers .*$/m, "Ciphers no-such-cipher@example.com");
        stage(deployUser, broken, renderAuthorizedKeys(settings()));
        const applied = applyScript("apply");
        expect(applied.status).not.toBe(0);
        expect(applied.stderr).toContain("sshd -t rejects the candidate");
        expect(installedDropin()).toBe(before);
        expect(keyLogin(deployUser).status).toBe(0);
        expect(fs.readFileSync(path.join(lab.root, "security.log"), "utf8"))
            .toMatch(/ERROR mailfort-sshd: sshd -t rejects the candidate/);
    });

    it("restores the previous files when the change is not confirmed in time", () => {
        const before = installedDropin();
        // A lockout: the new authorized_keys holds only a key the deployer does not have.
        const sshd = settings({ authorizedKeys: [lab.otherPublicKey], maxAuthTries: 2 });
        stage(deployUser, renderSshdDropin(host(deployUser), sshd), renderAuthorizedKeys(sshd));
        expect(applyScript("apply").status).toBe(0);
        expect(installedDropin()).toContain("MaxAuthTries 2");
        waitFor("the lockout to take effect", () => keyLogin(deployUser).status !== 0);

        waitFor("the guard to restore the drop-in", () => installedDropin() === before,
            (guardSeconds + 5) * 1000);
        waitForKeyLogin(deployUser);
        expect(fs.readFileSync(path.join(lab.root, "security.log"), "utf8"))
            .toContain("WARN mailfort-sshd: no confirmation within 3s");
        // A late confirmation (the deployer's client retrying) must report the rollback, and
        // apply the change again under a new guard, since Pulumi will not rerun `apply`.
        const late = applyScript("confirm");
        expect(late.status).not.toBe(0);
        expect(late.stderr).toContain("was rolled back");
        expect(late.stderr).toContain("the next pulumi up confirms it over a new connection");
        expect(installedDropin()).toContain("MaxAuthTries 2");
        waitFor("the new guard to restore the drop-in", () => installedDropin() === before,
            (guardSeconds + 5) * 1000);
        waitForKeyLogin(deployUser);
    });

    it("recovers from a rollback that a lost connection caused: the next confirm keeps it", () => {
        stageRendered(deployUser, { maxAuthTries: 4 });
        expect(applyScript("apply").status).toBe(0);
        // The confirming connection was lost: nothing confirms, and the guard fires.
        waitFor("the guard to fire without a confirmation", () =>
            fs.existsSync(path.join(lab.root, "state", "rolled-back")), (guardSeconds + 5) * 1000);
        expect(installedDropin()).not.toContain("MaxAuthTries 4");

        const retried = applyScript("confirm");
        expect(retried.status).not.toBe(0);
        expect(installedDropin()).toContain("MaxAuthTries 4");
        waitForKeyLogin(deployUser);
        expect(applyScript("confirm").status).toBe(0);
        sleep((guardSeconds + 2) * 1000);
        expect(installedDropin()).toContain("MaxAuthTries 4");
        expect(effective(deployUser)).toContain("\nmaxauthtries 4\n");
    });

    it("keeps a confirmed change past the guard's deadline", () => {
        stageRendered(deployUser, { maxAuthTries: 2 });
        expect(applyScript("apply").status).toBe(0);
        waitForKeyLogin(deployUser);
        expect(applyScript("confirm").status).toBe(0);
        sleep((guardSeconds + 2) * 1000);
        expect(installedDropin()).toContain("MaxAuthTries 2");
        expect(effective(deployUser)).toContain("\nmaxauthtries 2\n");
    });

    it("with password login kept on and no keys, leaves authorized_keys alone", () => {
        const keysFile = path.join(lab.homeOf(deployUser), ".ssh/authorized_keys");
        fs.writeFileSync(keysFile, `${lab.clientPublicKey} added by hand\n`);
        const sshd = settings({ authorizedKeys: [], passwordAuthentication: true });
        stage(deployUser, renderSshdDropin(host(deployUser), sshd), undefined);
        expect(applyScript("apply").status).toBe(0);
        waitForKeyLogin(deployUser);
        expect(applyScript("confirm").status).toBe(0);
        expect(fs.readFileSync(keysFile, "utf8")).toBe(`${lab.clientPublicKey} added by hand\n`);
        const login = lab.sshWithPassword(deployUser, deployPassword, sshdPort);
        expect(login.stdout.trim()).toBe(deployUser);
    });

    it("with root as deploy user: root logs in by key, never by password", () => {
        stageRendered("root");
        const applied = applyScript("apply");
        expect(applied.status, applied.stderr).toBe(0);
        waitForKeyLogin("root");
        expect(applyScript("confirm").status).toBe(0);
        expect(effective("root")).toContain("\npermitrootlogin without-password\n");
        const password = lab.sshWithPassword("root", rootPassword, sshdPort);
        expect(password.status).not.toBe(0);
        expect(password.stderr).toContain("Permission denied (publickey)");
        expect(keyLogin(deployUser).status).not.toBe(0);
    });
});
