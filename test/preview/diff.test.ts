import { describe, expect, it } from "vitest";

import { changeSummary, countChanges, diffBuilds } from "../../preview/diff";

const container = (labels: string) => ({
    type: "docker:index/container:Container",
    name: "mail",
    inputs: { name: "mailserver", labels },
});
const file = (content: string, update = "install") => ({
    type: "command:remote:Command",
    name: "file",
    inputs: { create: "install", update, stdin: content, triggers: [content] },
});

describe("comparing two builds", () => {
    it("finds nothing to do between identical builds", () => {
        expect(
            countChanges(diffBuilds([container("a"), file("x")], [container("a"), file("x")])),
        ).toEqual({ create: 0, delete: 0, replace: 0, update: 0, same: 2 });
    });

    it("replaces a container for any changed input and updates a file in place", () => {
        const changes = diffBuilds([container("a"), file("x")], [container("b"), file("y")]);
        expect(changes.map((c) => [c.name, c.change, c.inputs])).toEqual([
            ["mail", "replace", ["labels"]],
            ["file", "update", ["stdin", "triggers"]],
        ]);
    });

    it("replaces a command whose triggers change when it has no update command", () => {
        const changes = diffBuilds([file("x", "")], [file("y", "")]);
        expect(changes[0]?.change).toBe("replace");
    });

    it("counts created and deleted resources and writes a Markdown table", () => {
        const changes = diffBuilds([container("a")], [file("x")]);
        expect(countChanges(changes)).toMatchObject({ create: 1, delete: 1 });
        expect(changeSummary(changes, "test")).toContain(
            "| create | `file` | `command:remote:Command` |  |",
        );
    });
});
