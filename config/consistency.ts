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
        ...sharedFirstLabels(stack),
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
        ...firewallExceptions(stack),
    ];
}

/** Exceptions may not re-open what the stack opens by itself: SSH, and HTTPS for MTA-STS. */
function firewallExceptions(stack: ParsedStack): ConfigProblem[] {
    const sshPorts = new Set(stack.hosts.map((h) => h.ssh.port));
    return stack.firewall.exceptions.flatMap((exception, index) => {
        const key = `mailfort:firewall.exceptions[${index}].port`;
        const value = String(exception.port);
        if (exception.protocol !== "tcp") return [];
        if (sshPorts.has(exception.port)) {
            return [{ key, value, message: "is an SSH port, always open; remove the exception" }];
        }
        if (exception.port === 443 && stack.services.mtaSts) {
            const message =
                "is opened for the MTA-STS endpoint while mailfort:services.mtaSts is true; " +
                "remove the exception";
            return [{ key, value, message }];
        }
        return [];
    });
}

/** Each host's resources are named after the first label of its host name. */
function sharedFirstLabels(stack: ParsedStack): ConfigProblem[] {
    const labels = stack.hosts.map((h) => h.hostname.split(".")[0] ?? h.hostname);
    return stack.hosts.flatMap((host, index) => {
        const first = labels.indexOf(labels[index]!);
        if (first === index || stack.hosts[first]?.hostname === host.hostname) return [];
        return [
            {
                key: `mailfort:hosts[${index}].hostname`,
                value: JSON.stringify(host.hostname),
                message:
                    `must not start with the same label as hosts[${first}] ` +
                    `(${stack.hosts[first]?.hostname}): each host's resources are named after it`,
            },
        ];
    });
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
