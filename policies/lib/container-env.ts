/**
 * Docker's `envs` input (`["KEY=VALUE", ...]`) read as docker-mailserver sees it, with DMS's own
 * defaults filled in for what is not set.
 */
import { defaultOf } from "../dms-env";
import { listOf, Props } from "./resources";

export interface EnvEntry {
    /** The text as given, for messages. */
    raw: string;
    key: string;
    /** `undefined` when the entry has no `=` (Docker would copy the deploying shell's value). */
    value: string | undefined;
}

export function envEntries(props: Props): EnvEntry[] {
    return listOf(props["envs"])
        .filter((item): item is string => typeof item === "string")
        .map((raw) => {
            const at = raw.indexOf("=");
            return at < 0
                ? { raw, key: raw, value: undefined }
                : { raw, key: raw.slice(0, at), value: raw.slice(at + 1) };
        });
}

/** The environment of one container, later entries winning as they do in Docker. */
export class DmsEnvironment {
    private readonly values = new Map<string, string>();

    constructor(props: Props) {
        for (const entry of envEntries(props)) {
            if (entry.value !== undefined) this.values.set(entry.key, entry.value);
        }
    }

    /** The value set explicitly, if any. */
    explicit(name: string): string | undefined {
        return this.values.get(name);
    }

    /** The value DMS runs with: the explicit one, else DMS's documented default. */
    effective(name: string): string | undefined {
        return this.values.get(name) ?? defaultOf(name);
    }

    /** Whether DMS runs with `name` set to "1". */
    enabled(name: string): boolean {
        return this.effective(name) === "1";
    }
}
