/**
 * Stack-wide secrets made by Pulumi and kept (encrypted) in its state: DKIM key pairs, generated
 * account passwords and the salts of the password hashes. Random salts live in state so the
 * hash, and with it the accounts file, changes only when a password does.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";

import type { StackConfig } from "../../config";
import type { AccountCredential } from "../mailserver";

export interface DkimKeys {
    privateKeys: Record<string, pulumi.Output<string>>;
    publicKeys: Record<string, pulumi.Output<string>>;
}

export function dkimKeys(name: string, config: StackConfig, parent: pulumi.Resource): DkimKeys {
    const privateKeys: Record<string, pulumi.Output<string>> = {};
    const publicKeys: Record<string, pulumi.Output<string>> = {};
    for (const domain of config.domains) {
        const key = new tls.PrivateKey(
            `${name}-${domain.name}`,
            {
                algorithm: "RSA",
                rsaBits: config.dkim.keyBits,
            },
            { parent },
        );
        privateKeys[domain.name] = key.privateKeyPem;
        publicKeys[domain.name] = key.publicKeyPem;
    }
    return { privateKeys, publicKeys };
}

export interface Credentials {
    accounts: AccountCredential[];
    /** Passwords the stack generated because config set none, by address (secret). */
    generated: Record<string, pulumi.Output<string>>;
}

export function accountCredentials(
    name: string,
    config: StackConfig,
    parent: pulumi.Resource,
): Credentials {
    const generated: Record<string, pulumi.Output<string>> = {};
    const accounts = config.accounts.map((account): AccountCredential => {
        const slug = account.address.replace(/[^a-z0-9]+/g, "-");
        const salt = new random.RandomString(
            `${name}-${slug}-salt`,
            {
                length: 16,
                special: false,
            },
            { parent },
        );
        let password = config.secrets.accountPasswords[account.address];
        if (!password) {
            password = new random.RandomPassword(
                `${name}-${slug}-password`,
                {
                    length: 32,
                    overrideSpecial: "-_.,+=",
                },
                { parent },
            ).result;
            generated[account.address] = password;
        }
        return { address: account.address, password, salt: salt.result };
    });
    return { accounts, generated };
}
