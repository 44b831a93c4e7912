/**
 * Steps of `mailfort-firewall` that need no network namespace: the script is sourced (which runs
 * nothing) and one step function is called, with stand-ins for apt on PATH, so no package is
 * installed and no firewall is touched.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const script = path.join(__dirname, "..", "..", "components", "firewall", "mailfort-firewall");

let dir: string;
let bin: string;

beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "mailfort-fw-script-"));
    bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
});

afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
});

function executable(name: string, body: string): void {
    fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
}

/** A tool that does nothing, standing in for an installed nft or ufw. */
function installed(tool: string): void {
    executable(tool, "exit 0");
}

/**
 * apt-cache and apt-get that log their arguments; apt-cache knows a package only after an
 * update (or from the start, when `listsKnown`), apt-get install "installs" nft and ufw.
 */
function fakeApt(options: { listsKnown: boolean; installFails?: boolean }): void {
    const updated = path.join(dir, "updated");
    if (options.listsKnown) fs.writeFileSync(updated, "");
    executable("apt-cache", `echo "apt-cache $*" >> ${dir}/calls\n[ -f ${updated} ]`);
    const install = options.installFails
        ? "exit 100"
        : `for p in "$@"; do case "$p" in\n` +
            `  nftables) printf '#!/bin/sh\\n' > ${bin}/nft; chmod 755 ${bin}/nft ;;\n` +
            `  ufw) printf '#!/bin/sh\\n' > ${bin}/ufw; chmod 755 ${bin}/ufw ;;\n` +
            "esac; done";
    executable("apt-get", [
        `echo "DEBIAN_FRONTEND=$DEBIAN_FRONTEND apt-get $*" >> ${dir}/calls`,
        `case " $* " in *" update "*) touch ${updated} ;; *" install "*) ${install} ;; esac`,
    ].join("\n"));
}

/** Sources the script and runs one step, with only the stand-ins and the basic tools on PATH. */
function step(name: string) {
    // /usr/sbin, where nft and ufw really live, stays off PATH. --norc: bash reads ~/.bashrc
    // when its stdin is a socket, as Node's pipes are.
    const result = spawnSync("bash", ["--norc", "-c", `. "$1"; ${name}`, "bash", script], {
        env: { PATH: `${bin}:/usr/bin:/bin`, MAILFORT_SECURITY_LOG: path.join(dir, "security.log") },
        stdio: ["ignore", "pipe", "pipe"],
        encoding: "utf8",
        timeout: 10_000,
    });
    const calls = fs.existsSync(path.join(dir, "calls"))
        ? fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n")
        : [];
    return { status: result.status, stderr: result.stderr, calls };
}

const apt = "DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600";

describe("installing nft and ufw on a fresh host", () => {
    it("does nothing when both are there", () => {
        installed("nft");
        installed("ufw");
        fakeApt({ listsKnown: false });
        expect(step("install_missing_tools")).toEqual({ status: 0, stderr: "", calls: [] });
    });

    it("updates the package lists first when they do not know the package", () => {
        fakeApt({ listsKnown: false });
        const result = step("install_missing_tools");
        expect(result.status).toBe(0);
        expect(result.calls).toEqual([
            "apt-cache show nftables",
            `${apt} update`,
            `${apt} install -y --no-install-recommends nftables ufw`,
        ]);
        expect(result.stderr).toContain("running apt-get update");
        expect(fs.existsSync(path.join(bin, "nft")) && fs.existsSync(path.join(bin, "ufw")))
            .toBe(true);
    });

    it("installs only what is missing, without an update when the lists know it", () => {
        installed("nft");
        fakeApt({ listsKnown: true });
        const result = step("install_missing_tools");
        expect(result.status).toBe(0);
        expect(result.calls).toEqual([
            "apt-cache show ufw",
            `${apt} install -y --no-install-recommends ufw`,
        ]);
    });

    it("stops before any rule changes when the install fails", () => {
        installed("nft");
        fakeApt({ listsKnown: true, installFails: true });
        const result = step("install_missing_tools");
        expect(result.status).toBe(1);
        expect(result.stderr).toContain("apt-get install ufw failed; the firewall is unchanged");
    });

    it("is the first step of apply, before the ruleset is checked", () => {
        const apply = fs.readFileSync(script, "utf8");
        const body = /^apply_rendered\(\) \{\n([\s\S]*?)\n\}/m.exec(apply)?.[1] ?? "";
        const steps = body.split("\n").map((line) => line.trim());
        expect(steps.slice(0, 2)).toEqual(["install_missing_tools", "check_ruleset"]);
    });
});
