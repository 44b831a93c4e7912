/**
 * Rules that span several config keys and so cannot live in one field's schema: every name must
 * sit in a zone the stack manages, and nothing may be declared twice.
 */
import type { ConfigProblem } from "./load";
import type { ParsedStack } from "./schema";

export function checkConsistency(stack: ParsedStack): ConfigProblem[] {
    return [
        ...duplicates(
            "hosts",
            stack.hosts.map((h) => h.hostname),
            "hostname",
        ),
        ...duplicates(
            "domains",
            stack.domains.map((d) => d.name),
            "name",
        ),
        ...duplicates(
            "accounts",
            stack.accounts.map((a) => a.address),
            "address",
        ),
        ...hostsInZones(stack),
        ...addressesInDomains(stack),
        ...backupRepository(stack),
    ];
}

function backupRepository(stack: ParsedStack): ConfigProblem[] {
    if (!stack.services.backups || stack.backups.repository) return [];
    return [
        {
            key: "mailfort:backups.repository",
            value: "(unset)",
            message:
                "is required because mailfort:services.backups is true: a local path, " +
                "sftp:user@host:/path or s3:host/bucket/path",
        },
    ];
}

function duplicates(key: string, values: string[], field: string): ConfigProblem[] {
    return values.flatMap((value, index) =>
        values.indexOf(value) === index
            ? []
            : [
                  {
                      key: `mailfort:${key}[${index}].${field}`,
                      value: JSON.stringify(value),
                      message: "is listed twice",
                  },
              ],
    );
}

/** The zone that holds `name`, or undefined when no configured domain covers it. */
export function zoneOf(stack: Pick<ParsedStack, "domains">, name: string) {
    return stack.domains
        .filter((d) => name === d.name || name.endsWith(`.${d.name}`))
        .sort((a, b) => b.name.length - a.name.length)[0];
}

function hostsInZones(stack: ParsedStack): ConfigProblem[] {
    const names = stack.domains.map((d) => d.name).join(", ");
    return stack.hosts.flatMap((host, index) =>
        zoneOf(stack, host.hostname) && host.hostname.split(".").length > 2
            ? []
            : [
                  {
                      key: `mailfort:hosts[${index}].hostname`,
                      value: JSON.stringify(host.hostname),
                      message:
                          `must be a host name under one of the configured domains (${names}), ` +
                          `such as mail.${stack.domains[0]?.name}`,
                  },
              ],
    );
}

function addressesInDomains(stack: ParsedStack): ConfigProblem[] {
    const domains = new Set(stack.domains.map((d) => d.name));
    const list = [...domains].join(", ");
    const check = (key: string, address: string): ConfigProblem[] =>
        domains.has(address.split("@")[1] ?? "")
            ? []
            : [
                  {
                      key,
                      value: JSON.stringify(address),
                      message: `must be in one of the configured domains (${list})`,
                  },
              ];
    return [
        ...stack.accounts.flatMap((a, i) => check(`mailfort:accounts[${i}].address`, a.address)),
        ...stack.aliases.flatMap((a, i) => check(`mailfort:aliases[${i}].address`, a.address)),
    ];
}
