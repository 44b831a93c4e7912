import { expect, it } from "vitest";

import { shellcheck } from "../sshd/shellcheck";

it("the baseline scripts are shellcheck clean", () => {
    const scripts = ["baseline/mailfort-baseline", "baseline/mailfort-install-docker"];
    expect(shellcheck(scripts)).toBe("");
});
