/**
 * The `Baseline` component: automatic security updates, time sync, the mail host name and the
 * Docker engine with mailfort's daemon settings. The mail container must depend on `ready`.
 */
import * as pulumi from "@pulumi/pulumi";

import type { HostConfig, StackConfig } from "../../config";
import type { Connection } from "../host/connection";
import { HostFiles } from "../host/files";
import { baselineFiles, baselineScript } from "./render";

export interface BaselineArgs {
    /** The pinned-key connection to the host, from `hostConnection`. No default. */
    connection: pulumi.Input<Connection>;
    /** The host to bring to the baseline; its host name becomes the system host name. */
    host: HostConfig;
    /** The stack config; `baseline` settings and `contacts.admin` are read from it. */
    config: StackConfig;
}

export class Baseline extends pulumi.ComponentResource {
    /** Finishes once Docker runs with the shipped daemon.json and updates are scheduled. */
    readonly ready: pulumi.Resource[];

    /**
     * @param name The unique name of this component, e.g. `mx1-baseline`.
     * @param args The connection, the host and the stack config.
     * @param opts Options for the component.
     */
    constructor(name: string, args: BaselineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mailfort:baseline:Baseline", name, {}, opts);

        const shipped = new HostFiles(`${name}-files`, {
            connection: args.connection,
            files: baselineFiles(args.host, args.config),
            onChange: `sudo ${baselineScript}`,
        }, { parent: this });
        this.ready = shipped.ready;

        this.registerOutputs({});
    }
}
