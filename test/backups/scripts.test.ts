import { expect, it } from "vitest";

import { shellcheck } from "../sshd/shellcheck";

it("the backup scripts and their shared library are shellcheck clean", () => {
    expect(shellcheck([
        "backups/backup-common.sh",
        "backups/mailfort-backup",
        "backups/mailfort-restore",
        "backups/mailfort-backup-check",
    ])).toBe("");
});
