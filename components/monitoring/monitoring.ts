/**
 * The `Monitoring` component: ships the monitoring scripts, their parameters, the cron entries and
 * the security log's rotation to one host. The checks themselves run on the host from cron.
 */
import * as pulumi from "@pulumi/pulumi";

import type { HostConfig, StackConfig } from "../../config";
import type { Connection } from "../host/connection";
import { HostFile, HostFiles } from "../host/files";
import { monitoringFiles, relayCredentialsFile, webhookCredentialsFile } from "./render";

/** The secret config key that holds the fallback SMTP relay's password. */
export const relayPasswordKey = "alertRelayPassword";
/** The secret config key that holds the fallback webhook's URL. */
export const webhookUrlKey = "alertWebhookUrl";

export interface MonitoringArgs {
    /** The pinned-key connection to the host, from `hostConnection`. No default. */
    connection: pulumi.Input<Connection>;
    /** The host the checks run on; its name goes into alert subjects and the certificate path. */
    host: HostConfig;
    /**
     * The stack config; `monitoring`, `contacts` and `services` are read from it, and the jails
     * the `fail2ban` settings enable and the reboot window of `baseline.updates`.
     */
    config: StackConfig;
    /**
     * Password of the fallback SMTP relay (`mailfort:alertRelayPassword`), needed when
     * `monitoring.fallback.user` is set. Defaults to none.
     */
    relayPassword?: pulumi.Input<string>;
    /**
     * URL of the fallback webhook (`mailfort:alertWebhookUrl`), needed when
     * `monitoring.fallback.kind` is `webhook`. Defaults to none.
     */
    webhookUrl?: pulumi.Input<string>;
}

export class Monitoring extends pulumi.ComponentResource {
    /** Finishes when every monitoring file has landed on the host. */
    readonly ready: pulumi.Resource[];

    /**
     * @param name The unique name of this component, e.g. `mx1-monitoring`.
     * @param args The connection, the host, the stack config and the fallback's credentials.
     * @param opts Options for the component.
     */
    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mailfort:monitoring:Monitoring", name, {}, opts);

        const files = [...monitoringFiles(args.host, args.config), ...credentials(args, this)];
        // HostFiles rewrites only the files whose content changed; cron reads its file by itself.
        const shipped = new HostFiles(`${name}-files`, {
            connection: args.connection,
            files,
        }, { parent: this });
        this.ready = shipped.ready;

        this.registerOutputs({});
    }
}

function credentials(args: MonitoringArgs, parent: pulumi.Resource): HostFile[] {
    const fallback = args.config.monitoring.fallback;
    if (fallback === undefined) {
        // No way to tell the operator that the mail container is down, by mail, when it is.
        pulumi.log.warn(
            "mailfort:monitoring.fallback is not set: alerts cannot go out while the mail " +
                "container is down. Set an SMTP relay or a webhook.",
            parent,
        );
        return [];
    }
    if (fallback.kind === "webhook") {
        if (args.webhookUrl === undefined) {
            throw missingSecret(webhookUrlKey, "kind is webhook", parent);
        }
        return [webhookCredentialsFile(pulumi.secret(args.webhookUrl))];
    }
    if (fallback.user === undefined) return [];
    if (args.relayPassword === undefined) {
        throw missingSecret(relayPasswordKey, `user is ${fallback.user}`, parent);
    }
    return [relayCredentialsFile(fallback, pulumi.secret(args.relayPassword))];
}

function missingSecret(key: string, because: string, parent: pulumi.Resource) {
    return new pulumi.ResourceError(
        `mailfort:monitoring.fallback.${because} but mailfort:${key} is not set: ` +
            `pulumi config set --secret ${key} <value>`,
        parent,
    );
}
