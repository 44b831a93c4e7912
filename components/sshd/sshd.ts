/**
 * The `Sshd` component: ships the hardened sshd drop-in and the deploy user's authorized_keys,
 * and applies them with a lockout guard. The apply step schedules the return of the previous
 * files; only a second, separate SSH connection (the `-confirm` command) cancels it, so a
 * configuration that locks the deployer out undoes itself after `sshd.guardSeconds`.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

import type { HostConfig, StackConfig } from "../../config";
import type { Connection } from "../host/connection";
import { filesDigest, HostFile, HostFiles } from "../host/files";
import { deployKeyProblem } from "./keys";
import { sshdApplyScript, sshdFiles, stagedAuthorizedKeys } from "./render";

export interface SshdArgs {
    /** The pinned-key connection to the host, from `hostConnection`. No default. */
    connection: pulumi.Input<Connection>;
    /** The host whose sshd is hardened; its `ssh.user` and `ssh.port` shape the drop-in. */
    host: HostConfig;
    /** The stack config; `sshd` settings are read from it. */
    config: StackConfig;
}

export class Sshd extends pulumi.ComponentResource {
    /** Finishes once the new sshd configuration has been confirmed over a new connection. */
    readonly ready: pulumi.Resource[];

    /**
     * @param name The unique name of this component, e.g. `mx1-sshd`.
     * @param args The connection, the host and the stack config.
     * @param opts Options for the component.
     */
    constructor(name: string, args: SshdArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mailfort:sshd:Sshd", name, {}, opts);

        const files = sshdFiles(args.host, args.config).map((file) =>
            file.path === stagedAuthorizedKeys ? requireDeployKey(file, args, this) : file);
        const applied = new HostFiles(`${name}-files`, {
            connection: args.connection,
            files,
            onChange: `sudo ${sshdApplyScript} apply`,
        }, { parent: this });

        // @pulumi/command dials a fresh SSH connection for every command: this one succeeds only
        // if the new drop-in and authorized_keys still let the deploy user in.
        const confirm = `sudo ${sshdApplyScript} confirm`;
        const confirmed = new command.remote.Command(`${name}-confirm`, {
            connection: args.connection,
            create: confirm,
            update: confirm,
            triggers: [filesDigest(files)],
        }, { parent: this, dependsOn: applied.ready });
        this.ready = [confirmed];

        this.registerOutputs({});
    }
}

/**
 * Holds back the authorized_keys file unless it lists the key Pulumi logs in with: replacing it
 * without that key would lock the deployment out (the guard would undo it, but only after a
 * failed run). The content stays public; only the check reads the secret.
 */
export function requireDeployKey(
    file: HostFile,
    args: SshdArgs,
    parent: pulumi.Resource,
): HostFile {
    const configKey = args.host.ssh.privateKeyConfigKey;
    const privateKey = args.config.secrets.sshPrivateKeys[configKey];
    if (!privateKey) return file;
    const checked = pulumi.all([privateKey, file.content]).apply(([secret, content]) => {
        const problem = deployKeyProblem(
            secret, args.config.sshd.authorizedKeys, configKey, args.host.hostname);
        if (problem === "unreadable") {
            pulumi.log.warn(`mailfort:${configKey} is in a key format mailfort cannot read; ` +
                "not checking that mailfort:sshd.authorizedKeys lists it", parent);
        } else if (problem) {
            throw new pulumi.ResourceError(problem, parent);
        }
        return content;
    });
    return { ...file, content: pulumi.unsecret(checked) };
}
