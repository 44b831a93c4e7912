/**
 * Turns the raw `mailfort:*` config values into a validated, frozen `StackConfig`. All problems
 * are collected and thrown together as one `ConfigError`, before any resource exists.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

import { checkConsistency } from "./consistency";
import { passwordProblem } from "./passwords";
import { configKeys, ParsedStack, stackSchema } from "./schema";

export const namespace = "mailfort";

/** Secret config keys other than those named by `hosts[].ssh.privateKeyConfigKey`. */
export const accountPasswordsKey = "accountPasswords";

export interface ConfigProblem {
    key: string;
    value: string;
    message: string;
}

export class ConfigError extends Error {
    constructor(readonly problems: ConfigProblem[]) {
        super(
            `The stack config has ${problems.length} problem(s):\n` +
                problems.map((p) => `  - ${p.key}: ${p.value} ${p.message}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

/** Secret inputs, kept apart from the plain config so they are never printed with it. */
export interface StackSecrets {
    /** Private key per config key name (see `hosts[].ssh.privateKeyConfigKey`). */
    sshPrivateKeys: Readonly<Record<string, pulumi.Output<string>>>;
    /** Passwords the operator set, by account address; others are generated. */
    accountPasswords: Readonly<Record<string, pulumi.Output<string>>>;
    /** Password of the monitoring's fallback SMTP relay (`alertRelayPassword`). */
    alertRelayPassword?: pulumi.Output<string>;
    /** URL of the monitoring's fallback webhook (`alertWebhookUrl`); it may hold a token. */
    alertWebhookUrl?: pulumi.Output<string>;
    /** The restic repository password (`resticPassword`). */
    resticPassword?: pulumi.Output<string>;
    /** Credentials of an `s3:` restic repository. */
    resticS3AccessKeyId?: pulumi.Output<string>;
    resticS3SecretAccessKey?: pulumi.Output<string>;
}

const s3Repository = (stack: ParsedStack) =>
    stack.services.backups && stack.backups.repository?.startsWith("s3:")
        ? "is required because mailfort:backups.repository is an s3: repository"
        : undefined;

/** Optional secret config keys, and when the rest of the config makes each one required. */
const optionalSecrets = {
    alertRelayPassword: (stack: ParsedStack) => {
        const fallback = stack.monitoring.fallback;
        return stack.services.monitoring &&
            fallback?.kind === "relay" &&
            fallback.user !== undefined
            ? "is required because mailfort:monitoring.fallback.user is set"
            : undefined;
    },
    alertWebhookUrl: (stack: ParsedStack) =>
        stack.services.monitoring && stack.monitoring.fallback?.kind === "webhook"
            ? "is required because mailfort:monitoring.fallback.kind is webhook"
            : undefined,
    resticPassword: (stack: ParsedStack) =>
        stack.services.backups
            ? "is required because mailfort:services.backups is true"
            : undefined,
    resticS3AccessKeyId: s3Repository,
    resticS3SecretAccessKey: s3Repository,
} as const;

type OptionalSecret = keyof typeof optionalSecrets;

/** What a set optional secret must look like; the message never repeats the value. */
const secretShapes: Partial<Record<OptionalSecret, (value: string) => string | undefined>> = {
    // curl reads the URL from a quoted config line: no quotes, backslashes or spaces in it.
    alertWebhookUrl: (url) =>
        /^https:\/\/[^\s"\\]+$/.test(url)
            ? undefined
            : "must be an https:// URL without spaces, quotes or backslashes",
};

export type StackConfig = Readonly<ParsedStack> & { readonly secrets: StackSecrets };

/** Where raw values come from: Pulumi's runtime config in a real run, a map in tests. */
export type ConfigSource = (key: string) => string | undefined;

export const pulumiConfigSource: ConfigSource = (key) =>
    pulumi.runtime.getConfig(`${namespace}:${key}`);

/** The `mailfort:` keys the stack sets, without the namespace. */
export type ConfigKeyList = () => string[];

export const pulumiConfigKeys: ConfigKeyList = () =>
    Object.keys(pulumi.runtime.allConfig())
        .filter((key) => key.startsWith(`${namespace}:`))
        .map((key) => key.slice(namespace.length + 1));

/**
 * @param source Where values come from; Pulumi's config by default.
 * @param keys Which keys the stack sets, to refuse misspelt ones; Pulumi's config by default.
 */
export function loadStackConfig(
    source: ConfigSource = pulumiConfigSource,
    keys: ConfigKeyList = pulumiConfigKeys,
): StackConfig {
    const problems: ConfigProblem[] = [];
    const raw = readRaw(source, problems);
    const result = stackSchema.safeParse(raw);
    if (!result.success) {
        problems.push(...unknownKeys(keys(), raw));
        problems.push(...result.error.issues.map((issue) => describeIssue(issue, raw)));
        throw new ConfigError(problems);
    }
    problems.push(...unknownKeys(keys(), raw));
    problems.push(...checkConsistency(result.data));
    const secrets = readSecrets(source, result.data, problems);
    if (problems.length > 0) throw new ConfigError(problems);
    return deepFreeze({ ...result.data, secrets });
}

/** A misspelt key would otherwise be ignored, and its hardened default used in silence. */
function unknownKeys(present: string[], raw: Record<string, unknown>): ConfigProblem[] {
    const known = new Set<string>([
        ...configKeys,
        accountPasswordsKey,
        ...Object.keys(optionalSecrets),
        ...privateKeyNames(raw),
    ]);
    return present
        .filter((key) => !known.has(key))
        .map((key) => ({
            key: `${namespace}:${key}`,
            value: "(set)",
            message:
                "is not a mailfort config key; check the spelling against the README " +
                `(config keys: ${configKeys.join(", ")})`,
        }));
}

/** The secret keys `hosts[].ssh.privateKeyConfigKey` names, read before the schema checks it. */
function privateKeyNames(raw: Record<string, unknown>): string[] {
    const hosts = Array.isArray(raw["hosts"]) ? (raw["hosts"] as unknown[]) : [];
    const named = hosts.map((host) => {
        const ssh = (host as { ssh?: { privateKeyConfigKey?: unknown } } | null)?.ssh;
        return typeof ssh?.privateKeyConfigKey === "string" ? ssh.privateKeyConfigKey : undefined;
    });
    return ["sshPrivateKey", ...named.filter((name): name is string => name !== undefined)];
}

function readRaw(source: ConfigSource, problems: ConfigProblem[]): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    for (const key of configKeys) {
        const text = source(key);
        if (text === undefined) continue;
        raw[key] = parseValue(key, text, problems);
    }
    return raw;
}

function parseValue(key: string, text: string, problems: ConfigProblem[]): unknown {
    try {
        return JSON.parse(text);
    } catch {
        // Plain strings are stored unquoted by Pulumi; every mailfort key is structured.
        problems.push({
            key: `${namespace}:${key}`,
            value: quote(text),
            message: "must be a YAML map or list",
        });
        return undefined;
    }
}

function readSecrets(
    source: ConfigSource,
    stack: ParsedStack,
    problems: ConfigProblem[],
): StackSecrets {
    const sshPrivateKeys: Record<string, pulumi.Output<string>> = {};
    for (const host of stack.hosts) {
        const key = host.ssh.privateKeyConfigKey;
        const value = source(key);
        if (value === undefined || !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value)) {
            problems.push({
                key: `${namespace}:${key}`,
                value: value === undefined ? "(unset)" : "(value hidden)",
                message:
                    `must hold the SSH private key for ${host.hostname}: ` +
                    `pulumi config set --secret ${key} < ~/.ssh/id_ed25519`,
            });
            continue;
        }
        sshPrivateKeys[key] = pulumi.secret(value);
    }
    return {
        sshPrivateKeys,
        accountPasswords: readAccountPasswords(source, stack, problems),
        ...readOptionalSecrets(source, stack, problems),
    };
}

function readOptionalSecrets(
    source: ConfigSource,
    stack: ParsedStack,
    problems: ConfigProblem[],
): Partial<Record<OptionalSecret, pulumi.Output<string>>> {
    const secrets: Partial<Record<OptionalSecret, pulumi.Output<string>>> = {};
    for (const key of Object.keys(optionalSecrets) as OptionalSecret[]) {
        const value = source(key);
        const problem =
            value === undefined || value === ""
                ? requiredProblem(key, stack)
                : secretShapes[key]?.(value);
        if (problem) {
            problems.push({
                key: `${namespace}:${key}`,
                value: value ? "(value hidden)" : "(unset)",
                message: problem,
            });
        } else if (value) {
            secrets[key] = pulumi.secret(value);
        }
    }
    return secrets;
}

function requiredProblem(key: OptionalSecret, stack: ParsedStack): string | undefined {
    const why = optionalSecrets[key](stack);
    return why && `${why}: pulumi config set --secret ${key} <value>`;
}

function readAccountPasswords(
    source: ConfigSource,
    stack: ParsedStack,
    problems: ConfigProblem[],
): Record<string, pulumi.Output<string>> {
    const text = source(accountPasswordsKey);
    if (text === undefined) return {};
    const key = `${namespace}:${accountPasswordsKey}`;
    let map: unknown;
    try {
        map = JSON.parse(text);
    } catch {
        map = undefined;
    }
    if (typeof map !== "object" || map === null || Array.isArray(map)) {
        problems.push({
            key,
            value: "(value hidden)",
            message: "must be a map of account address to password",
        });
        return {};
    }
    const known = new Set(stack.accounts.map((account) => account.address));
    const passwords: Record<string, pulumi.Output<string>> = {};
    for (const [address, password] of Object.entries(map)) {
        const problem = !known.has(address)
            ? `names no account in mailfort:accounts (known: ${[...known].join(", ")})`
            : passwordProblem(address, password);
        if (problem) {
            problems.push({ key: `${key}.${address}`, value: "(value hidden)", message: problem });
            continue;
        }
        passwords[address] = pulumi.secret(String(password));
    }
    return passwords;
}

function describeIssue(issue: z.ZodIssue, raw: Record<string, unknown>): ConfigProblem {
    const [top, ...rest] = issue.path;
    const key =
        `${namespace}:${String(top ?? "")}` +
        rest.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("");
    const value = valueAt(raw, issue.path);
    return {
        key,
        value: value === undefined ? "(unset)" : quote(JSON.stringify(value)),
        message: explain(issue),
    };
}

function explain(issue: z.ZodIssue): string {
    switch (issue.code) {
        case "invalid_enum_value":
            return `must be one of ${issue.options.map((o) => JSON.stringify(o)).join(", ")}`;
        case "invalid_type":
            return issue.received === "undefined"
                ? `is required (${issue.expected})`
                : `must be ${/^[aeiou]/.test(issue.expected) ? "an" : "a"} ${issue.expected}`;
        case "unrecognized_keys":
            return (
                `has unknown key(s) ${issue.keys.join(", ")}; ` +
                "check the spelling against the README"
            );
        case "too_small":
            return `is too small: ${issue.message.toLowerCase()}`;
        case "too_big":
            return `is too big: ${issue.message.toLowerCase()}`;
        default:
            return issue.message;
    }
}

function valueAt(root: unknown, path: (string | number)[]): unknown {
    let node = root;
    for (const part of path) {
        if (typeof node !== "object" || node === null) return undefined;
        node = (node as Record<string | number, unknown>)[part];
    }
    return node;
}

function quote(text: string): string {
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function deepFreeze<T>(value: T): T {
    if (typeof value !== "object" || value === null || pulumi.Output.isInstance(value))
        return value;
    for (const child of Object.values(value)) deepFreeze(child);
    return Object.freeze(value);
}
