/**
 * The deploy user's access to the Docker engine, granted by the real mailfort-install-docker
 * step with the system's own usermod, for a throwaway user the test creates and removes.
 * Installing the engine itself needs a real Ubuntu host and is not run here.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { repoRoot } from "../support/stack";
import { requireRoot, requireTools, run } from "../support/system";

const script = join(repoRoot, "components", "baseline", "mailfort-install-docker");
const user = "mfdockertest";

function grant(who: string) {
    return spawnSync("bash", ["-c", `source "$1" && grant_socket_access "$2"`, "-", script, who], {
        encoding: "utf8",
        timeout: 30_000,
    });
}

const groupsOf = (who: string) => run("id", ["-nG", who]).trim().split(/\s+/);

describe("grant_socket_access (real usermod, a throwaway user)", () => {
    let madeGroup = false;

    beforeAll(() => {
        requireRoot();
        requireTools({ useradd: "passwd", usermod: "passwd", groupadd: "passwd" });
        if (spawnSync("getent", ["group", "docker"]).status !== 0) {
            run("groupadd", ["--system", "docker"]);
            madeGroup = true;
        }
        spawnSync("userdel", [user]);
        run("useradd", ["--no-create-home", "--shell", "/usr/sbin/nologin", user]);
    });
    afterAll(() => {
        spawnSync("userdel", [user]);
        if (madeGroup) spawnSync("groupdel", ["docker"]);
    });

    it("adds the deploy user to the docker group once, and leaves root alone", () => {
        expect(groupsOf(user)).not.toContain("docker");

        const first = grant(user);
        expect(first.status, first.stderr).toBe(0);
        expect(first.stderr).toContain(`${user} may use the Docker engine (docker group)`);
        expect(groupsOf(user)).toContain("docker");

        const again = grant(user);
        expect(again.status).toBe(0);
        expect(again.stderr).toBe("");

        const rootGroups = groupsOf("root");
        expect(grant("root").status).toBe(0);
        expect(groupsOf("root")).toEqual(rootGroups);
    });
});
