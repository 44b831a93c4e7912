import type { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";

import { fileSuffix, variableFor } from "./dms-env";
import { envEntries } from "./lib/container-env";
import {
    containerName,
    isObject,
    listOf,
    Props,
    resourceTypes,
    stringOf,
} from "./lib/resources";
import { secretKeyName, secretsIn } from "./lib/secret-patterns";

const commandFields = ["create", "update", "delete"] as const;
const privateKey = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/;
const viaStdin = "send it through stdin (HostFiles with secret: true) instead";

/**
 * Command lines land in process lists, in @pulumi/command's error text and in plain state;
 * container environments and labels in `docker inspect` and in state. Secrets go through stdin
 * (kept secret, logging off) or files on the host instead.
 *
 * Limitation: CrossGuard hands policies every value already decrypted, so whether a value is
 * marked secret in state cannot be observed here; the program tests check that under mocks. This
 * policy catches secret-looking text where secrets must never be, by pattern: a secret with no
 * recognisable shape (a bare random string with no key name next to it) passes unnoticed, and so
 * does a secret file shipped with `secret: false` unless it holds a private key.
 */
export const keepSecretsOutOfPlainInputs: ResourceValidationPolicy = {
    name: "keep-secrets-out-of-plain-inputs",
    description: "No keys, tokens or passwords in command lines, container env or labels.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const { type, props, name } = args;
        if (type === resourceTypes.remoteCommand) checkRemoteCommand(props, name, report);
        if (type === resourceTypes.copyToRemote) checkLogin(props, name, report);
        if (type === resourceTypes.container) checkContainer(props, name, report);
    },
};

function checkRemoteCommand(props: Props, name: string, report: ReportViolation): void {
    for (const field of commandFields) {
        const found = secretsIn(stringOf(props[field]) ?? "");
        if (found.length === 0) continue;
        report(
            `Remote command ${name} has ${found.join(" and ")} in its ${field} command line; ` +
                `send secrets through stdin (HostFiles with secret: true) instead.`,
        );
    }
    const environment = isObject(props["environment"]) ? props["environment"] : {};
    for (const [key, value] of Object.entries(environment)) {
        if (!secretKeyName.test(key) && secretsIn(String(value)).length === 0) continue;
        report(
            `Remote command ${name} passes the secret ${key} in its environment, which is ` +
                `stored in plain state; ${viaStdin}.`,
        );
    }
    // HostFiles turns logging off exactly for secret files, so logging on means secret: false.
    if (privateKey.test(stringOf(props["stdin"]) ?? "") && props["logging"] !== "none") {
        const logging = String(props["logging"] ?? "stdoutAndStderr");
        report(
            `Remote command ${name} sends private key material on stdin with logging ` +
                `"${logging}"; ship it as a HostFile with secret: true, which keeps stdin ` +
                `secret and sets logging to "none".`,
        );
    }
    checkLogin(props, name, report);
}

function checkLogin(props: Props, name: string, report: ReportViolation): void {
    const connection = props["connection"];
    if (!isObject(connection)) return;
    const proxy = isObject(connection["proxy"]) ? connection["proxy"] : {};
    const logins = [["connection", connection], ["connection.proxy", proxy]] as const;
    for (const [where, login] of logins) {
        if (!stringOf(login["password"])) continue;
        report(
            `Remote command ${name} logs in with ${where}.password; use ${where}.privateKey ` +
                `(mailfort config key named by mailfort:hosts[].ssh.privateKeyConfigKey) instead.`,
        );
    }
}

function checkContainer(props: Props, fallback: string, report: ReportViolation): void {
    const container = containerName(props, fallback);
    for (const entry of envEntries(props)) {
        if (!entry.value || entry.key.endsWith(fileSuffix)) continue;
        if (!isSecretVariable(entry.key) && secretsIn(entry.value).length === 0) continue;
        report(
            `Container ${container} sets the secret ${entry.key} in its environment, where ` +
                `docker inspect and the state show it; set ${entry.key}${fileSuffix}=/path to ` +
                `a file shipped with HostFiles (secret: true) instead.`,
        );
    }
    const inCommand = secretsIn(listOf(props["command"]).map(String).join(" "));
    if (inCommand.length > 0) {
        report(
            `Container ${container} has ${inCommand.join(" and ")} in its command; read ` +
                `secrets from a file mounted into the container instead.`,
        );
    }
    for (const label of listOf(props["labels"])) {
        if (!isObject(label)) continue;
        const found = secretsIn(`${String(label["label"])}=${String(label["value"])}`);
        if (found.length === 0) continue;
        report(
            `Container ${container} has ${found.join(" and ")} in label ` +
                `${String(label["label"])}; labels are public, keep secrets in files instead.`,
        );
    }
}

/** A secret by its name, or one DMS documents as secret (LDAP_BIND_PW, DOVECOT_DNPASS...). */
function isSecretVariable(key: string): boolean {
    return secretKeyName.test(key) || String(variableFor(key)?.allowed ?? "").includes("(secret)");
}
