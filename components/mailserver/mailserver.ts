/**
 * The `mailserver` container: docker-mailserver pinned to a release, publishing only the mail
 * ports, with its logs on the host for Fail2Ban and monitoring.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

import type { HostConfig, StackConfig } from "../../config";
import { Connection, DockerHost, HostFiles, hostPaths, mailVolumes, publishedPorts } from "../host";
import type { AccountCredential } from "./accounts";
import { environmentList, mailserverEnvironment } from "./environment";
import { creationFiles, liveFiles } from "./files";

/** The ports DMS serves to the internet: SMTP, submissions, submission, IMAPS. */
export const mailPorts = [25, 465, 587, 993] as const;

export const mailserverImage = (config: StackConfig) =>
    `ghcr.io/docker-mailserver/docker-mailserver:${config.mail.dmsVersion}`;

export interface MailserverArgs {
    connection: pulumi.Input<Connection>;
    host: HostConfig;
    config: StackConfig;
    /** The Docker engine of this host. */
    docker: DockerHost;
    /** DKIM private keys (PEM) by domain. */
    dkimPrivateKeys: Record<string, pulumi.Input<string>>;
    /** Password and salt per account. */
    credentials: AccountCredential[];
    /** Resources the container must wait for, such as the first certificate. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export class Mailserver extends pulumi.ComponentResource {
    readonly container: docker.Container;

    /**
     * @param name The unique name of the mail server of this host.
     * @param args The host, its connection and Docker provider, keys and credentials.
     * @param opts Options for the component.
     */
    constructor(name: string, args: MailserverArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mailfort:mailserver:Mailserver", name, {}, opts);
        const { host, config, docker: engine } = args;
        const provider = engine.provider;

        const atCreation = new HostFiles(
            `${name}-config`,
            {
                connection: args.connection,
                files: creationFiles(host, config, args.dkimPrivateKeys),
            },
            { parent: this },
        );

        // DMS notices these files changing and reloads them; the container stays up.
        const live = new HostFiles(
            `${name}-accounts`,
            {
                connection: args.connection,
                files: liveFiles(config, args.credentials),
            },
            { parent: this },
        );

        const image = new docker.RemoteImage(
            `${name}-image`,
            {
                name: mailserverImage(config),
                keepLocally: true,
            },
            { parent: this, provider, dependsOn: engine.ready },
        );

        const volumes = Object.entries(mailVolumes).map(
            ([key, volumeName]) =>
                new docker.Volume(
                    `${name}-${key}`,
                    { name: volumeName },
                    {
                        parent: this,
                        provider,
                        retainOnDelete: true,
                        dependsOn: engine.ready,
                    },
                ),
        );

        this.container = new docker.Container(
            `${name}-container`,
            {
                ...containerSettings(host, config),
                image: image.imageId,
                labels: [
                    { label: "mailfort.role", value: "mailserver" },
                    // What DMS reads only at creation: a change re-creates the container.
                    { label: "mailfort.config-digest", value: pulumi.unsecret(atCreation.digest) },
                ],
            },
            {
                parent: this,
                provider,
                dependsOn: [
                    ...engine.ready,
                    ...atCreation.ready,
                    ...live.ready,
                    ...volumes,
                    ...(args.dependsOn ?? []),
                ],
                deleteBeforeReplace: true,
            },
        );

        this.registerOutputs({});
    }
}

/** Everything about the container that does not depend on other resources. */
export function containerSettings(host: HostConfig, config: StackConfig) {
    return {
        name: "mailserver",
        hostname: host.hostname,
        envs: environmentList(mailserverEnvironment(host, config)),
        // Postfix and Dovecot listen on IPv6 only with mail.ipv6 (POSTFIX_INET_PROTOCOLS).
        ports: publishedPorts(mailPorts, config.mail.ipv6 && host.ipv6 !== undefined),
        volumes: [
            { volumeName: mailVolumes.data, containerPath: "/var/mail" },
            { volumeName: mailVolumes.state, containerPath: "/var/mail-state" },
            { hostPath: hostPaths.dmsConfig, containerPath: "/tmp/docker-mailserver" },
            { hostPath: hostPaths.mailLogs, containerPath: "/var/log/mail" },
            { hostPath: hostPaths.letsencrypt, containerPath: "/etc/letsencrypt", readOnly: true },
        ],
        // Docker's default set minus what DMS never needs; NET_RAW is the one most abused.
        // no-new-privileges is not set: Postfix's setgid postdrop must work for local sendmail.
        capabilities: { drops: ["NET_RAW", "MKNOD", "SETFCAP"] },
        restart: "unless-stopped",
        stopTimeout: 60,
        destroyGraceSeconds: 90,
        healthcheck: {
            tests: ["CMD-SHELL", "ss --listening --tcp | grep -P 'LISTEN.+:smtp' || exit 1"],
            interval: "30s",
            timeout: "5s",
            retries: 3,
            startPeriod: "120s",
        },
        logDriver: "json-file",
        logOpts: { "max-size": "20m", "max-file": "5" },
    };
}
