/**
 * Host Fail2Ban: ships the jails, filters and ban action to one host and reloads Fail2Ban only
 * when one of them changed. Nothing here depends on the mail container: a filter change never
 * re-creates it.
 */
import * as pulumi from "@pulumi/pulumi";

import type { HostConfig, StackConfig } from "../../config";
import { Connection, HostFiles } from "../host";
import { applyScriptPath, expectedLogs, fail2banFiles } from "./render";

export interface Fail2BanArgs {
    /** The pinned-key SSH connection of the host (see `hostConnection`). */
    connection: pulumi.Input<Connection>;
    /** The host Fail2Ban protects; its SSH port is the sshd jail's port. */
    host: HostConfig;
    /** The validated stack config; thresholds come from `config.fail2ban`. */
    config: StackConfig;
}

/** The command run after the files land: create missing logs, check, then reload or start. */
export function applyCommand(host: HostConfig, config: StackConfig): string {
    return `sudo ${applyScriptPath} ${expectedLogs(config, host).join(" ")}`;
}

/**
 * Fail2Ban on one host, banning with nftables sets before Docker's NAT.
 */
export class Fail2Ban extends pulumi.ComponentResource {
    /** Resources that finish once the files landed and Fail2Ban reloaded. */
    readonly ready: pulumi.Resource[];

    /**
     * @param name The unique name of this host's Fail2Ban.
     * @param args The connection, the host and the stack config.
     * @param opts Options for the component.
     */
    constructor(name: string, args: Fail2BanArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mailfort:fail2ban:Fail2Ban", name, {}, opts);

        const files = new HostFiles(`${name}-files`, {
            connection: args.connection,
            files: fail2banFiles(args.host, args.config),
            onChange: applyCommand(args.host, args.config),
        }, { parent: this });
        this.ready = files.ready;

        this.registerOutputs({});
    }
}
