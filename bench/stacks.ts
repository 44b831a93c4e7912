/**
 * Stack config files for the benchmarks, made from the example stack by structured edits:
 * more hosts, or one setting changed, written to a temporary folder for `npm run plan`.
 */
import { dump, load } from "js-yaml";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

type StackDocument = { config: Record<string, unknown> };

export const repoRoot = join(__dirname, "..");

export function exampleStack(): StackDocument {
    return load(readFileSync(join(repoRoot, "Pulumi.prod.yaml"), "utf8")) as StackDocument;
}

/** The example with `count` hosts: its own first, then backup MXs at documentation addresses. */
export function withHosts(count: number): StackDocument {
    const stack = exampleStack();
    const [first] = stack.config["mailfort:hosts"] as Record<string, unknown>[];
    stack.config["mailfort:hosts"] = Array.from({ length: count }, (_, i) =>
        i === 0
            ? first
            : {
                  ...first,
                  hostname: `mx${i + 1}.example.com`,
                  ipv4: `203.0.113.${10 + i}`,
                  ipv6: `2001:db8::${(16 + i).toString(16)}`,
              },
    );
    return stack;
}

/** The example with one key's value replaced (merged one level deep for maps). */
export function withChange(key: string, value: unknown): StackDocument {
    const stack = exampleStack();
    const current = stack.config[`mailfort:${key}`];
    stack.config[`mailfort:${key}`] =
        isMap(current) && isMap(value) ? { ...current, ...value } : value;
    return stack;
}

export function writeStack(folder: string, name: string, stack: StackDocument): string {
    const path = join(folder, `Pulumi.${name}.yaml`);
    writeFileSync(path, dump(stack, { lineWidth: 200 }));
    return path;
}

function isMap(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}
