import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { describe, expect, it } from "vitest";

import { runPolicies } from "../../policies/run";
import type { PlannedResource } from "../../policies/run";

const parent: PlannedResource = {
    type: "test:index:Parent",
    name: "parent",
    urn: "urn:p",
    props: {},
};
const child: PlannedResource = {
    type: "test:index:Child",
    name: "child",
    urn: "urn:c",
    parent: "urn:p",
    props: { n: 1 },
};

function resourcePolicy(overrides: Partial<ResourceValidationPolicy>): ResourceValidationPolicy {
    return { name: "test", description: "Test.", enforcementLevel: "mandatory", ...overrides };
}

const found: Partial<ResourceValidationPolicy> = {
    validateResource: (_, report) => report("Found."),
};

describe("runPolicies", () => {
    it("awaits async resource validations and reports each resource by name", async () => {
        const policy = resourcePolicy({
            validateResource: async (args, report) => {
                await new Promise((resolve) => setTimeout(resolve, 5));
                report(`Saw ${args.type}.`);
            },
        });
        const verdicts = await runPolicies([parent, child], [policy]);
        expect(verdicts).toEqual([
            {
                policy: "test", resource: "parent", urn: "urn:p", level: "mandatory",
                message: "Saw test:index:Parent.",
            },
            {
                policy: "test", resource: "child", urn: "urn:c", level: "mandatory",
                message: "Saw test:index:Child.",
            },
        ]);
    });

    it("runs every function of a validateResource list", async () => {
        const policy = resourcePolicy({
            validateResource: [(_, report) => report("One."), (_, report) => report("Two.")],
        });
        const verdicts = await runPolicies([parent], [policy]);
        expect(verdicts.map((v) => v.message)).toEqual(["One.", "Two."]);
    });

    it("runs stack policies once, parents linked, reported URNs mapped to names", async () => {
        let calls = 0;
        const policy: StackValidationPolicy = {
            name: "stack",
            description: "Test.",
            enforcementLevel: "advisory",
            validateStack: async (args, report) => {
                calls++;
                const found = args.resources.find((r) => r.name === "child")!;
                report(`Parent is ${found.parent?.name}.`, found.urn);
                report("Stack-wide.");
            },
        };
        const verdicts = await runPolicies([parent, child], [policy]);
        expect(calls).toBe(1);
        expect(verdicts.map((v) => [v.resource, v.urn, v.level, v.message])).toEqual([
            ["child", "urn:c", "advisory", "Parent is parent."],
            ["", "", "advisory", "Stack-wide."],
        ]);
    });

    it("skips disabled, quietly ends notApplicable, reports remediate as mandatory", async () => {
        const verdicts = await runPolicies([parent], [
            resourcePolicy({ name: "off", enforcementLevel: "disabled", ...found }),
            resourcePolicy({ name: "na", validateResource: (args) => args.notApplicable("no") }),
            resourcePolicy({ name: "fix", enforcementLevel: "remediate", ...found }),
            resourcePolicy({ name: "default", enforcementLevel: undefined, ...found }),
        ]);
        expect(verdicts.map((v) => [v.policy, v.level])).toEqual([
            ["fix", "mandatory"],
            ["default", "advisory"],
        ]);
    });

    it("hands policies serialized secrets unwrapped, as the engine does", async () => {
        const secret = {
            "1b47061264138c4ac30d75fd1eb44270": "4dabf18193072939515e22adb298388d",
            value: "s3cret",
        };
        const seen: unknown[] = [];
        const policy = resourcePolicy({ validateResource: (args) => void seen.push(args.props) });
        await runPolicies([{ type: "t", name: "n", props: { a: { b: [secret] } } }], [policy]);
        expect(seen).toEqual([{ a: { b: ["s3cret"] } }]);
    });

    it("gives each validation its own copy of the props", async () => {
        const props = { list: [1] };
        const policy = resourcePolicy({
            validateResource: (args) => void (args.props["list"] as number[]).push(2),
        });
        await runPolicies([{ type: "t", name: "n", props }], [policy, policy]);
        expect(props).toEqual({ list: [1] });
    });

    it("names the policy when a validation throws", async () => {
        const policy = resourcePolicy({
            name: "broken",
            validateResource: () => {
                throw new Error("boom");
            },
        });
        await expect(runPolicies([parent], [policy]))
            .rejects.toThrow("policy broken failed: boom");
    });
});
