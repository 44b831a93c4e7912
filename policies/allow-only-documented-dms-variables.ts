import type { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";

import {
    allowedValues,
    dmsReferenceVersion,
    dmsVariables,
    fileSuffix,
    variableFor,
} from "./dms-env";
import { EnvEntry, envEntries } from "./lib/container-env";
import { containerName, isMailContainer, resourceTypes } from "./lib/resources";

/** Names from the original operator guide that DMS never had, and what does their job. */
const knownMistakes: Record<string, string> = {
    DEFAULT_QUOTA: "mailbox quotas come from POSTFIX_MAILBOX_SIZE_LIMIT (and ENABLE_QUOTAS=1)",
    POSTFIX_REJECT_UNKNOWN_HELO_HOSTNAME:
        "HELO checks belong in smtpd_helo_restrictions of the postfix-main.cf override",
    POSTFIX_REJECT_UNKNOWN_SENDER_DOMAIN: "DMS already rejects unknown sender domains by default",
    POSTFIX_REJECT_UNKNOWN_RECIPIENT_DOMAIN:
        "DMS already rejects unknown recipient domains by default",
};

/**
 * DMS silently ignores variables it does not know and falls back (often without a word) on
 * values outside a variable's set, so a typo quietly switches a protection off.
 */
export const allowOnlyDocumentedDmsVariables: ResourceValidationPolicy = {
    name: "allow-only-documented-dms-variables",
    description: "Every mail container variable is a documented DMS variable with a valid value.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type !== resourceTypes.container || !isMailContainer(args.props)) return;
        const container = containerName(args.props, args.name);
        const seen = new Set<string>();
        for (const entry of envEntries(args.props)) {
            checkEntry(entry, container, report);
            if (seen.has(entry.key)) {
                report(
                    `Container ${container} sets ${entry.key} more than once and Docker keeps ` +
                        `only the last; set it once.`,
                );
            }
            seen.add(entry.key);
        }
    },
};

function checkEntry(entry: EnvEntry, container: string, report: ReportViolation): void {
    if (entry.value === undefined) {
        report(
            `Container ${container} lists "${entry.raw}" without a value, so Docker copies it ` +
                `from the deploying shell; write it as ${entry.key}=VALUE.`,
        );
        return;
    }
    const variable = variableFor(entry.key);
    if (!variable) {
        report(`Container ${container} sets ${entry.key}, ${unknownReason(entry.key)}.`);
        return;
    }
    if (entry.key.endsWith(fileSuffix)) return;
    const problem = valueProblem(entry.key, entry.value);
    if (problem) report(`Container ${container} sets ${entry.key}=${entry.value}; ${problem}.`);
}

function unknownReason(key: string): string {
    const version = dmsReferenceVersion;
    const hint = knownMistakes[key];
    if (hint) return `which docker-mailserver ${version} does not have: remove it, ${hint}`;
    const near = nearestVariable(key);
    const instead = near ? `rename it to ${near}` : "use one listed in config/dms-env.json";
    return `which is not a docker-mailserver ${version} variable and is ignored; remove it or ` +
        instead;
}

/** What is wrong with a value, checked against the allowed set or the documented form. */
export function valueProblem(name: string, value: string): string | undefined {
    const allowed = allowedValues(name);
    if (allowed) {
        if (allowed.includes(value)) return undefined;
        return `set it to one of ${allowed.map((v) => JSON.stringify(v)).join(", ")}`;
    }
    const form = String(dmsVariables.get(name)?.allowed ?? "");
    if (form.startsWith("integer") && !/^-?\d+$/.test(value)) {
        return `set it to a whole number, as DMS documents it: ${form}`;
    }
    if (form.startsWith("decimal") && !/^-?\d+(\.\d+)?$/.test(value)) {
        return `set it to a decimal number, as DMS documents it: ${form}`;
    }
    return undefined;
}

function nearestVariable(key: string): string | undefined {
    let best: { name: string; distance: number } | undefined;
    for (const name of dmsVariables.keys()) {
        const distance = editDistance(key, name);
        if (!best || distance < best.distance) best = { name, distance };
    }
    return best && best.distance <= 3 ? best.name : undefined;
}

function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
            const deletion = (previous[j] ?? 0) + 1;
            const insertion = (current[j - 1] ?? 0) + 1;
            current.push(Math.min(deletion, insertion, substitution));
        }
        previous = current;
    }
    return previous[b.length] ?? 0;
}
