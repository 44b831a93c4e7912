/**
 * Every file of the DMS config folder, split by when DMS reads it: at container creation (a
 * change must re-create the container) or live (accounts, aliases, quotas: reloaded in place).
 */
import * as pulumi from "@pulumi/pulumi";

import type { StackConfig, HostConfig } from "../../config";
import { HostFile, hostPaths } from "../host";
import {
    AccountCredential,
    dovecotQuotasCf,
    postfixAccountsCf,
    postfixVirtualCf,
} from "./accounts";
import { dkimHostKeyPath, dkimSigningConf } from "./dkim";
import {
    dovecotCf,
    heloAccessFile,
    heloAccessMap,
    postfixMainCf,
    postfixMasterCf,
    stackClientsCidr,
    stackClientsFile,
} from "./overrides";

const dir = hostPaths.dmsConfig;

/** Files DMS reads only when the container is created. DKIM private keys are secret. */
export function creationFiles(
    host: HostConfig,
    config: StackConfig,
    dkimPrivateKeys: Record<string, pulumi.Input<string>>,
): HostFile[] {
    return [
        { path: `${dir}/postfix-main.cf`, content: postfixMainCf(host, config) },
        // Maps postfix-main.cf names; smtpd reads them when it starts.
        { path: `${dir}/${heloAccessFile}`, content: heloAccessMap(config) },
        { path: `${dir}/${stackClientsFile}`, content: stackClientsCidr(config) },
        { path: `${dir}/postfix-master.cf`, content: postfixMasterCf() },
        { path: `${dir}/dovecot.cf`, content: dovecotCf() },
        { path: `${dir}/rspamd/override.d/dkim_signing.conf`, content: dkimSigningConf(config) },
        // DMS makes the key folder owned by _rspamd at start; until then only root reads it.
        ...config.domains.map(
            (d): HostFile => ({
                path: dkimHostKeyPath(config, d.name),
                content: dkimPrivateKeys[d.name] ?? missing(d.name),
                mode: "0600",
                secret: true,
            }),
        ),
    ];
}

/** Files DMS watches and reloads while running. The accounts file is secret (password hashes). */
export function liveFiles(config: StackConfig, credentials: AccountCredential[]): HostFile[] {
    return [
        {
            path: `${dir}/postfix-accounts.cf`,
            content: postfixAccountsCf(credentials),
            mode: "0600",
            secret: true,
        },
        { path: `${dir}/postfix-virtual.cf`, content: postfixVirtualCf(config) },
        { path: `${dir}/dovecot-quotas.cf`, content: dovecotQuotasCf(config) },
    ];
}

function missing(domain: string): never {
    throw new Error(`no DKIM key was made for ${domain}`);
}
