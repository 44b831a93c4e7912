/**
 * docker-mailserver's documented environment variables, read from the project's copy of the
 * reference list (`config/dms-env.json`, taken from DMS's environment.md at 15.1.0). The policies
 * use it to refuse made-up variables and values outside a variable's allowed set.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";

export interface DmsVariable {
    name: string;
    /** DMS's default; `<X>` means "the value of X". */
    default: string;
    /** The allowed values, or a description of the allowed form when it is not a fixed set. */
    allowed: string[] | string;
    description: string;
}

interface ReferenceFile {
    latest_stable_tag: string;
    variables: DmsVariable[];
}

const referencePath = path.join(__dirname, "..", "config", "dms-env.json");
const reference = JSON.parse(readFileSync(referencePath, "utf8")) as ReferenceFile;

/** The DMS release the reference list was checked against. */
export const dmsReferenceVersion = reference.latest_stable_tag.replace(/^v/, "");

export const dmsVariables: ReadonlyMap<string, DmsVariable> = new Map(
    reference.variables.map((variable) => [variable.name, variable]),
);

/** DMS reads `VAR__FILE=/path` as VAR's value taken from that file (its secrets mechanism). */
export const fileSuffix = "__FILE";

/** The documented variable a key refers to, following the `__FILE` form. */
export function variableFor(key: string): DmsVariable | undefined {
    const name = key.endsWith(fileSuffix) ? key.slice(0, -fileSuffix.length) : key;
    return dmsVariables.get(name);
}

/** The fixed set of values a variable accepts, or `undefined` when it takes free-form text. */
export function allowedValues(name: string): readonly string[] | undefined {
    const allowed = dmsVariables.get(name)?.allowed;
    return Array.isArray(allowed) ? allowed : undefined;
}

/** DMS's literal default for a variable; `undefined` when it derives from another or is unset. */
export function defaultOf(name: string): string | undefined {
    const value = dmsVariables.get(name)?.default;
    if (value === undefined || value.includes("<") || value.startsWith("unset")) return undefined;
    return value;
}
