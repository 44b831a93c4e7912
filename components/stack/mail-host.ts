/**
 * Everything mailfort puts on one VPS. The first host is the primary MX; the others are backup MXs
 * that relay to it. Every host gets the same hardening.
 */
import * as pulumi from "@pulumi/pulumi";

import type { HostConfig, StackConfig } from "../../config";
import { Backups } from "../backups";
import { Baseline } from "../baseline";
import { Certbot, certificateNames } from "../certbot";
import { Fail2Ban } from "../fail2ban";
import { Firewall } from "../firewall";
import { Connection, DockerHost, dockerProvider, hostConnection } from "../host";
import { AccountCredential, Mailserver } from "../mailserver";
import { Monitoring } from "../monitoring";
import { MtaSts } from "../mtasts";
import { Sshd } from "../sshd";

export interface MailHostArgs {
    host: HostConfig;
    config: StackConfig;
    /** The Cloudflare token certbot uses for DNS-01. */
    certbotToken: pulumi.Input<string>;
    dkimPrivateKeys: Record<string, pulumi.Input<string>>;
    credentials: AccountCredential[];
}

export class MailHost extends pulumi.ComponentResource {
    /**
     * @param name The unique name of this host's part of the stack.
     * @param args The host, the stack config and the stack-wide secrets it needs.
     * @param opts Options for the component.
     */
    constructor(name: string, args: MailHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mailfort:host:MailHost", name, {}, opts);
        const { host, config } = args;
        const connection = hostConnection(host, config);

        // The baseline installs and configures the Docker engine everything below runs on.
        const baseline = new Baseline(
            `${name}-baseline`,
            { connection, host, config },
            { parent: this },
        );
        // Every other part may install packages: they wait for the baseline's apt runs, since two
        // apt-get runs at once fail on the dpkg lock.
        const afterBaseline = { parent: this, dependsOn: baseline.ready };
        // Published ports bypass UFW: containers publish only once mailfort's table holds them.
        const firewall = config.services.firewall
            ? new Firewall(`${name}-firewall`, { connection, host, config }, afterBaseline)
            : undefined;
        const docker: DockerHost = {
            provider: dockerProvider(`${name}-docker`, host, this),
            ready: [...baseline.ready, ...(firewall?.ready ?? [])],
        };

        if (config.services.sshHardening) {
            new Sshd(`${name}-sshd`, { connection, host, config }, afterBaseline);
        }

        const certbot = new Certbot(
            `${name}-certbot`,
            {
                connection,
                host,
                config,
                docker,
                token: args.certbotToken,
            },
            { parent: this },
        );

        const primary = config.hosts[0]?.hostname === host.hostname;
        if (primary && config.services.mtaSts) {
            new MtaSts(
                `${name}-mta-sts`,
                {
                    connection,
                    host,
                    config,
                    docker,
                    dependsOn: [certbot.certificateReady],
                    certificateNames: certificateNames(host, config),
                },
                { parent: this },
            );
        }

        new Mailserver(
            `${name}-mail`,
            {
                connection,
                host,
                config,
                docker,
                dkimPrivateKeys: args.dkimPrivateKeys,
                credentials: args.credentials,
                dependsOn: [certbot.certificateReady],
            },
            { parent: this },
        );

        if (config.services.fail2ban) {
            new Fail2Ban(`${name}-fail2ban`, { connection, host, config }, afterBaseline);
        }

        if (config.services.monitoring) {
            new Monitoring(
                `${name}-monitoring`,
                {
                    connection,
                    host,
                    config,
                    relayPassword: config.secrets.alertRelayPassword,
                    webhookUrl: config.secrets.alertWebhookUrl,
                },
                { parent: this },
            );
        }

        if (config.services.backups) backups(name, connection, host, config, afterBaseline);

        this.registerOutputs({});
    }
}

function backups(
    name: string,
    connection: Connection,
    host: HostConfig,
    config: StackConfig,
    opts: pulumi.ComponentResourceOptions,
): Backups {
    const { resticPassword, resticS3AccessKeyId, resticS3SecretAccessKey } = config.secrets;
    if (!resticPassword) throw new Error("mailfort:resticPassword is required for backups");
    return new Backups(
        `${name}-backups`,
        {
            connection,
            host,
            config,
            resticPassword,
            s3AccessKeyId: resticS3AccessKeyId,
            s3SecretAccessKey: resticS3SecretAccessKey,
        },
        opts,
    );
}
