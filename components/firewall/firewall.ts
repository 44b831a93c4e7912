/**
 * The `Firewall` component: ships the rendered nftables table, the UFW parameters and the
 * `mailfort-firewall` script, applies them with a lockout guard, and confirms over a new SSH
 * connection. If that connection fails, the host restores its previous rules by itself after
 * `firewall.rollbackTimeoutSeconds`. The confirm command then fails, and Pulumi runs a failed
 * command again on the next `pulumi up`: finding the change rolled back, confirm applies it once
 * more and fails again, so that the `pulumi up` after that confirms it over a new connection.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

import type { HostConfig, StackConfig } from "../../config";
import type { Connection } from "../host/connection";
import { filesDigest, HostFiles } from "../host/files";
import { firewallFiles, firewallScript } from "./render";

export interface FirewallArgs {
    /** The pinned-key connection to the host, from `hostConnection`. No default. */
    connection: pulumi.Input<Connection>;
    /** The host to protect; its addresses and `ssh.port` shape the rules. No default. */
    host: HostConfig;
    /** The stack config; `firewall` and `trustedNetworks` are read from it. No default. */
    config: StackConfig;
}

/**
 * Host firewall of one host: UFW as the guide sets it up plus mailfort's nftables table.
 *
 * Limitation: removing the component (or turning `services.firewall` off) deletes the shipped
 * files but leaves the loaded rules and the boot unit in place; a delete step that unloads them
 * would also run on a replacement, after the new apply, and take the fresh rules down with it.
 */
export class Firewall extends pulumi.ComponentResource {
    /** Finishes once the rules are live and a new SSH connection has confirmed them. */
    readonly ready: pulumi.Resource[];

    /**
     * @param name The unique name of this component, e.g. `mx1-firewall`.
     * @param args The connection, the host and the stack config.
     * @param opts Options for the component.
     */
    constructor(name: string, args: FirewallArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mailfort:firewall:Firewall", name, {}, opts);

        const files = firewallFiles(args.host, args.config);
        const shipped = new HostFiles(`${name}-files`, {
            connection: args.connection,
            files,
        }, { parent: this });

        // The digest sits in the command text, not in `triggers`: a changed trigger replaces the
        // resource, a changed command is an update that runs `update` again.
        const digest = filesDigest(files);
        const apply = guardedCommand(`${name}-apply`, args.connection, "apply", digest, this,
            shipped.ready);

        // @pulumi/command dials a fresh SSH connection per command: this one only gets through
        // if the new rules still let the deployer in, and only then is the rollback cancelled.
        const confirm = guardedCommand(`${name}-confirm`, args.connection, "confirm", digest, this,
            [apply]);
        this.ready = [confirm];

        this.registerOutputs({});
    }
}

function guardedCommand(
    name: string,
    connection: pulumi.Input<Connection>,
    step: "apply" | "confirm",
    digest: pulumi.Output<string>,
    parent: pulumi.Resource,
    dependsOn: pulumi.Resource[],
): command.remote.Command {
    const text = pulumi.interpolate`sudo ${firewallScript} ${step} # rendered files ${digest}`;
    return new command.remote.Command(name, {
        connection,
        create: text,
        update: text,
    }, { parent, dependsOn });
}
