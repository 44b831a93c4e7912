/**
 * The account, alias and quota files DMS reloads live (no container restart). Passwords arrive
 * as secrets and leave only as SHA512-CRYPT hashes inside a secret file.
 */
import * as pulumi from "@pulumi/pulumi";

import type { StackConfig } from "../../config";
import { sha512Crypt } from "./sha512crypt";

/** A password and the per-account salt the stack keeps in its state. */
export interface AccountCredential {
    address: string;
    password: pulumi.Input<string>;
    salt: pulumi.Input<string>;
}

/** postfix-accounts.cf: `address|{SHA512-CRYPT}$6$salt$hash`, one account per line. */
export function postfixAccountsCf(credentials: AccountCredential[]): pulumi.Output<string> {
    const lines = credentials.map((c) =>
        pulumi
            .all([c.password, c.salt])
            .apply(
                ([password, salt]) => `${c.address}|{SHA512-CRYPT}${sha512Crypt(password, salt)}`,
            ),
    );
    return pulumi.secret(pulumi.all(lines).apply((all) => [...all, ""].join("\n")));
}

/** postfix-virtual.cf: `alias target[,target...]`. */
export function postfixVirtualCf(config: StackConfig): string {
    return [...config.aliases.map((a) => `${a.address} ${a.to.join(",")}`), ""].join("\n");
}

/** dovecot-quotas.cf: per-account quotas; the rest get POSTFIX_MAILBOX_SIZE_LIMIT. */
export function dovecotQuotasCf(config: StackConfig): string {
    const lines = config.accounts.filter((a) => a.quota).map((a) => `${a.address}:${a.quota}`);
    return [...lines, ""].join("\n");
}
