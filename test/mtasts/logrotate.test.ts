/**
 * The endpoint's log rotation, run by the real logrotate over a temporary copy of the log folder.
 * Docker cannot run here: a stand-in `docker` on PATH records the reopen it is asked for.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { mtaStsPaths, nginxLogRotation } from "../../components/mtasts";
import { requireTools } from "../support/system";

describe("nginx log rotation (real logrotate; Docker CLI: a test stand-in)", () => {
    let root = "";

    beforeAll(() => {
        requireTools({ logrotate: "logrotate" });
        root = mkdtempSync(join(tmpdir(), "mfngx-"));
    });
    afterAll(() => {
        if (root) rmSync(root, { recursive: true, force: true });
    });

    it("rotates every log of the endpoint and asks nginx in the container to reopen", () => {
        const logs = join(root, "logs");
        const bin = join(root, "bin");
        mkdirSync(logs);
        mkdirSync(bin);
        writeFileSync(join(logs, "access.log"), "203.0.113.5 - GET /.well-known/mta-sts.txt\n");
        writeFileSync(join(logs, "error.log"), "limiting requests, client: 203.0.113.6\n");
        writeFileSync(join(bin, "docker"), `#!/bin/sh\necho "$*" >> ${root}/docker.calls\n`);
        chmodSync(join(bin, "docker"), 0o755);
        const rotation = nginxLogRotation();
        expect(rotation.path).toBe("/etc/logrotate.d/mailfort-nginx");
        const conf = join(root, "mailfort-nginx");
        writeFileSync(conf, String(rotation.content).replaceAll(mtaStsPaths.logs, logs));

        const outcome = spawnSync("logrotate", ["--force", "--state", join(root, "state"), conf], {
            encoding: "utf8",
            env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
            timeout: 30_000,
        });

        expect(outcome.stderr).toBe("");
        expect(outcome.status).toBe(0);
        for (const log of ["access.log", "error.log"]) {
            // delaycompress: the newest rotated file stays plain for Fail2Ban to finish reading.
            expect(existsSync(join(logs, `${log}.1`)), log).toBe(true);
            expect(existsSync(join(logs, log)), log).toBe(false);
        }
        // sharedscripts: one reopen for all the logs.
        expect(readFileSync(join(root, "docker.calls"), "utf8")).toBe(
            "exec mta-sts nginx -s reopen\n",
        );
    });
});
