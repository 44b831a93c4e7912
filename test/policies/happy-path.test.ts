import { describe, expect, it } from "vitest";

import { policies } from "../../policies/all";
import { runPolicies } from "../../policies/run";
import { happyStack } from "./fixture";
import { violationsIn } from "./support";

describe("the happy-path stack", () => {
    it("passes the whole pack", async () => {
        expect(await runPolicies(happyStack())).toEqual([]);
    });

    const named = policies.map((policy) => [policy.name, policy] as const);
    it.each(named)("passes %s on its own", async (_, policy) => {
        expect(await violationsIn(policy, happyStack())).toEqual([]);
    });

    it("exercises every resource kind the policies look at", () => {
        const types = new Set(happyStack().map((r) => r.type));
        for (const type of [
            "docker:index/container:Container",
            "docker:index/remoteImage:RemoteImage",
            "pulumi:providers:docker",
            "cloudflare:index/dnsRecord:DnsRecord",
            "tls:index/privateKey:PrivateKey",
            "command:remote:Command",
        ]) {
            expect(types).toContain(type);
        }
    });
});
