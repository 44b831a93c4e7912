/**
 * The `Backups` component: ships the restic scripts, their parameters, the repository password
 * (and S3 credentials) as secret files, and the systemd timers; then initialises the repository
 * and starts the timers.
 *
 * systemd timers rather than cron: `Persistent=true` catches up a run missed while the host was
 * down, a oneshot service never runs twice at once, and the output lands in the journal.
 */
import * as pulumi from "@pulumi/pulumi";

import type { HostConfig, StackConfig } from "../../config";
import type { Connection } from "../host/connection";
import { HostFiles } from "../host/files";
import { hostPaths } from "../host/paths";
import { backupFiles } from "./render";

export interface BackupsArgs {
    /** The pinned-key connection to the host, from `hostConnection`. No default. */
    connection: pulumi.Input<Connection>;
    /** The host whose mail data is backed up; its host name names the snapshots. */
    host: HostConfig;
    /** The stack config; `backups` settings are read from it. */
    config: StackConfig;
    /** The restic repository password (config key mailfort:resticPassword). No default. */
    resticPassword: pulumi.Input<string>;
    /** S3 access key id (mailfort:resticS3AccessKeyId); only for `s3:`. Defaults to none. */
    s3AccessKeyId?: pulumi.Input<string>;
    /** S3 secret key (mailfort:resticS3SecretAccessKey); only for `s3:`. Defaults to none. */
    s3SecretAccessKey?: pulumi.Input<string>;
}

export class Backups extends pulumi.ComponentResource {
    /** Finishes once the repository exists and the timers are enabled. */
    readonly ready: pulumi.Resource[];

    /**
     * @param name The unique name of this component, e.g. `mx1-backups`.
     * @param args The connection, the host, the stack config and the secrets.
     * @param opts Options for the component.
     */
    constructor(name: string, args: BackupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mailfort:backups:Backups", name, {}, opts);

        let files;
        try {
            files = backupFiles(args.host, args.config, args);
        } catch (error) {
            throw new pulumi.ResourceError((error as Error).message, this);
        }
        const shipped = new HostFiles(`${name}-files`, {
            connection: args.connection,
            files,
            onChange: `sudo ${hostPaths.bin}/mailfort-backup setup`,
        }, { parent: this });
        this.ready = shipped.ready;

        this.registerOutputs({});
    }
}
