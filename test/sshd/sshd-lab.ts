/**
 * A real Debian sshd for tests, in its own network namespace on 127.0.0.1 and its own mount
 * namespace, where /etc/passwd, /etc/shadow and /etc/group are bind-mounted copies that add a
 * test deploy user and move root's home into the temp dir. Nothing of the real host's sshd,
 * users or /root is read or written.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { Lab, Namespace } from "../support/netns";
import { attempt, requireTools, run } from "../support/system";

export const sshdPort = 2222;
export const deployUser = "mfdeploy";
export const deployPassword = "Correct-Horse-Battery-9";
export const rootPassword = "Root-Horse-Battery-7";

const deployUid = 64990;

export function sleep(ms: number): void {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Polls `check` every 100 ms until it holds or `timeoutMs` passes. */
export function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): void {
    for (let waited = 0; waited <= timeoutMs; waited += 100) {
        if (check()) return;
        sleep(100);
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export class SshdLab {
    readonly root: string;
    readonly server: Namespace;
    readonly clientKey: string;
    readonly clientPublicKey: string;
    readonly otherPublicKey: string;
    readonly hostPublicKey: string;
    readonly dropinDir: string;
    readonly mainConfig: string;
    private readonly lab: Lab;
    private sshdPid = 0;

    constructor(prefix: string) {
        requireTools({
            sshd: "openssh-server",
            ssh: "openssh-client",
            "ssh-keygen": "openssh-client",
            "ssh-audit": "ssh-audit",
            nsenter: "util-linux",
            openssl: "openssl",
        });
        this.lab = new Lab(prefix);
        this.root = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
        this.dropinDir = path.join(this.root, "etc/ssh/sshd_config.d");
        this.mainConfig = path.join(this.root, "etc/ssh/sshd_config");
        this.clientKey = path.join(this.root, "client/id_ed25519");
        try {
            // sshd reads authorized_keys as the user, who must be able to walk down to its home.
            fs.chmodSync(this.root, 0o755);
            this.hostPublicKey = this.makeHostKeys();
            this.clientPublicKey = this.makeKey(this.clientKey);
            this.otherPublicKey = this.makeKey(path.join(this.root, "client/other_ed25519"));
            this.writeAccounts();
            this.writeMainConfig();
            this.server = this.lab.namespace("server");
        } catch (error) {
            // afterAll never sees a lab whose constructor threw: clean up here.
            this.destroy();
            throw error;
        }
    }

    private makeKey(file: string, type = "ed25519"): string {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        run("ssh-keygen", ["-q", "-t", type, "-N", "", "-C", "mfssh-test", "-f", file]);
        return fs.readFileSync(`${file}.pub`, "utf8").trim();
    }

    private makeHostKeys(): string {
        const dir = path.join(this.root, "hostkeys");
        this.makeKey(path.join(dir, "ssh_host_rsa_key"), "rsa");
        const ed25519 = this.makeKey(path.join(dir, "ssh_host_ed25519_key"));
        const [type, blob] = ed25519.split(" ");
        fs.mkdirSync(path.join(this.root, "client"), { recursive: true });
        fs.writeFileSync(path.join(this.root, "client/known_hosts"),
            `[127.0.0.1]:${sshdPort} ${type} ${blob}\n127.0.0.1 ${type} ${blob}\n`);
        return `${type} ${blob}`;
    }

    homeOf(user: string): string {
        return path.join(this.root, "home", user);
    }

    private writeAccounts(): void {
        const etc = path.join(this.root, "etc");
        fs.mkdirSync(etc, { recursive: true });
        const hash = (password: string) => run("openssl", ["passwd", "-6", password]).trim();
        const passwd = fs.readFileSync("/etc/passwd", "utf8").split("\n")
            .filter((line) => line && !line.startsWith("root:"));
        fs.writeFileSync(path.join(etc, "passwd"), [
            `root:x:0:0:root:${this.homeOf("root")}:/bin/sh`,
            ...passwd,
            `${deployUser}:x:${deployUid}:${deployUid}::${this.homeOf(deployUser)}:/bin/sh`,
        ].join("\n") + "\n");
        const shadow = fs.readFileSync("/etc/shadow", "utf8").split("\n")
            .filter((line) => line && !line.startsWith("root:"));
        fs.writeFileSync(path.join(etc, "shadow"), [
            `root:${hash(rootPassword)}:20000:0:99999:7:::`,
            ...shadow,
            `${deployUser}:${hash(deployPassword)}:20000:0:99999:7:::`,
        ].join("\n") + "\n", { mode: 0o640 });
        fs.writeFileSync(path.join(etc, "group"),
            fs.readFileSync("/etc/group", "utf8").trimEnd() + `\n${deployUser}:x:${deployUid}:\n`);
        for (const user of ["root", deployUser]) {
            fs.mkdirSync(this.homeOf(user), { recursive: true, mode: 0o755 });
        }
        fs.chownSync(this.homeOf(deployUser), deployUid, deployUid);
    }

    /** Like Ubuntu's stock sshd_config, plus a cloud-init drop-in that turns passwords on. */
    private writeMainConfig(): void {
        fs.mkdirSync(this.dropinDir, { recursive: true });
        fs.mkdirSync(path.join(this.root, "run"), { recursive: true });
        fs.writeFileSync(path.join(this.dropinDir, "50-cloud-init.conf"),
            "PasswordAuthentication yes\n");
        fs.writeFileSync(this.mainConfig, [
            `Include ${this.dropinDir}/*.conf`,
            "ListenAddress 127.0.0.1",
            `HostKey ${this.root}/hostkeys/ssh_host_ed25519_key`,
            `HostKey ${this.root}/hostkeys/ssh_host_rsa_key`,
            `PidFile ${this.root}/run/sshd.pid`,
            // PAM's session modules need a real login environment; shadow is checked directly.
            "UsePAM no",
            "KbdInteractiveAuthentication no",
            "X11Forwarding yes",
            "PrintMotd no",
            "AcceptEnv LANG LC_*",
            "Subsystem sftp /usr/lib/openssh/sftp-server",
            "",
        ].join("\n"));
    }

    /** Starts sshd in the namespaces; the drop-ins decide the port (22 unless one sets Port). */
    start(port: number): void {
        const etc = path.join(this.root, "etc");
        const script = [
            "set -e",
            `mount --bind ${etc}/passwd /etc/passwd`,
            `mount --bind ${etc}/shadow /etc/shadow`,
            `mount --bind ${etc}/group /etc/group`,
            "mount -t tmpfs tmpfs /run",
            "mkdir -m 0755 /run/sshd",
            `exec /usr/sbin/sshd -D -e -f ${this.mainConfig}`,
        ].join("\n");
        const child = this.server.start(["sh", "-c", script]);
        let log = "";
        child.stderr?.on("data", (chunk: Buffer) => { log += chunk.toString(); });
        this.sshdPid = child.pid ?? 0;
        try {
            waitFor(`sshd on port ${port}`, () => this.listening(port));
        } catch (error) {
            throw new Error(`${String(error)}; sshd said: ${log}`);
        }
    }

    listening(port: number): boolean {
        const probe = `exec 3<>/dev/tcp/127.0.0.1/${port}`;
        return this.server.attempt(["bash", "-c", probe]).status === 0;
    }

    /** Runs a command inside sshd's own network and mount namespaces (sees the test users). */
    inside(args: string[], env: Record<string, string> = {}) {
        const vars = Object.entries(env).map(([key, value]) => `${key}=${value}`);
        const target = ["-t", String(this.sshdPid), "-m", "-n", "--"];
        return attempt("nsenter", [...target, "env", ...vars, ...args], { timeoutMs: 30_000 });
    }

    private baseSshArgs(port: number): string[] {
        return [
            "ssh", "-F", "/dev/null", "-p", String(port),
            "-o", "StrictHostKeyChecking=yes",
            "-o", `UserKnownHostsFile=${this.root}/client/known_hosts`,
            "-o", "ConnectTimeout=5",
        ];
    }

    /** Key login with BatchMode, offering only `key`; returns the ssh process result. */
    sshWithKey(user: string, port: number, command: string[], extra: string[] = [],
        key = this.clientKey) {
        return this.server.attempt([
            ...this.baseSshArgs(port), "-i", key, "-o", "IdentitiesOnly=yes",
            "-o", "BatchMode=yes", ...extra, `${user}@127.0.0.1`, ...command,
        ], { timeoutMs: 20_000 });
    }

    /** Password login, the password fed by SSH_ASKPASS so no terminal is needed. */
    sshWithPassword(user: string, password: string, port: number) {
        const askpass = path.join(this.root, "client/askpass");
        fs.writeFileSync(askpass, `#!/bin/sh\nprintf '%s\\n' '${password}'\n`, { mode: 0o700 });
        return this.server.attempt([
            "env", `SSH_ASKPASS=${askpass}`, "SSH_ASKPASS_REQUIRE=force", "DISPLAY=none",
            ...this.baseSshArgs(port), "-o", "PubkeyAuthentication=no",
            "-o", "PreferredAuthentications=password,keyboard-interactive",
            "-o", "NumberOfPasswordPrompts=1", "-v", `${user}@127.0.0.1`, "id", "-un",
        ], { timeoutMs: 20_000 });
    }

    destroy(): void {
        this.lab.destroy();
        fs.rmSync(this.root, { recursive: true, force: true });
    }
}
