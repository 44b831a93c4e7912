import { expect, it } from "vitest";

import { shellcheck } from "./shellcheck";

it("the sshd apply script is shellcheck clean", () => {
    expect(shellcheck(["sshd/mailfort-sshd-apply"])).toBe("");
});
