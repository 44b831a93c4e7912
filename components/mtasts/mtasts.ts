/**
 * The `mta-sts` container: nginx serving the MTA-STS policy of every domain over HTTPS with the
 * certificate certbot keeps for the primary MX (which also names `mta-sts.<domain>`).
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

import type { HostConfig, StackConfig } from "../../config";
import { Connection, DockerHost, HostFiles, hostPaths, publishedPorts } from "../host";
import { nginxFiles, nginxLogRotation, policyFiles } from "./files";
import { mtaStsPaths } from "./paths";

export const nginxImage = (config: StackConfig) => `nginx:${config.mtaSts.nginxImageTag}`;

/** Seconds between reloads that pick up a renewed certificate (renewal is 30 days early). */
const reloadEverySeconds = 6 * 3600;

export interface MtaStsArgs {
    connection: pulumi.Input<Connection>;
    host: HostConfig;
    config: StackConfig;
    /** The Docker engine of this host. */
    docker: DockerHost;
    /** Resources the container waits for: the certificate naming `mta-sts.<domain>`. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
    /** Names on the certificate nginx serves; nginx reads it at start. No default. */
    certificateNames: string[];
}

export class MtaSts extends pulumi.ComponentResource {
    /**
     * @param name The unique name of the endpoint.
     * @param args The primary host, its connection and Docker provider.
     * @param opts Options for the component.
     */
    constructor(name: string, args: MtaStsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mailfort:mtasts:MtaSts", name, {}, opts);
        const { host, config, docker: engine } = args;
        const provider = engine.provider;

        const files = new HostFiles(
            `${name}-nginx`,
            {
                connection: args.connection,
                files: nginxFiles(host, config),
            },
            { parent: this },
        );

        const policies = new HostFiles(
            `${name}-policy`,
            {
                connection: args.connection,
                // Neither the policy nor the log rotation needs nginx to restart.
                files: [...policyFiles(config), nginxLogRotation()],
            },
            { parent: this },
        );

        const image = new docker.RemoteImage(
            `${name}-image`,
            {
                name: nginxImage(config),
                keepLocally: true,
            },
            { parent: this, provider, dependsOn: engine.ready },
        );

        new docker.Container(
            `${name}-container`,
            {
                name: "mta-sts",
                image: image.imageId,
                command: ["/bin/sh", "-c", serveAndReload()],
                // nginx listens on [::]:443 when the host has IPv6 (sites.ts).
                ports: publishedPorts([443], host.ipv6 !== undefined),
                volumes: [
                    {
                        hostPath: `${mtaStsPaths.config}/nginx.conf`,
                        containerPath: "/etc/nginx/nginx.conf",
                        readOnly: true,
                    },
                    {
                        hostPath: `${mtaStsPaths.config}/mailfort`,
                        containerPath: "/etc/nginx/mailfort",
                        readOnly: true,
                    },
                    {
                        hostPath: mtaStsPaths.webRoot,
                        containerPath: "/srv/mta-sts",
                        readOnly: true,
                    },
                    {
                        hostPath: hostPaths.letsencrypt,
                        containerPath: "/etc/letsencrypt",
                        readOnly: true,
                    },
                    { hostPath: mtaStsPaths.logs, containerPath: "/var/log/nginx" },
                ],
                labels: [
                    { label: "mailfort.role", value: "mta-sts" },
                    // nginx reads its config at start: a changed file restarts the endpoint.
                    { label: "mailfort.files-digest", value: files.digest },
                    // nginx reads its certificate at start too: new names restart it after the
                    // wait for the certificate that carries them.
                    { label: "mailfort.certificate-names", value: args.certificateNames.join(",") },
                ],
                restart: "unless-stopped",
                capabilities: { drops: ["NET_RAW", "MKNOD", "SETFCAP", "AUDIT_WRITE"] },
                securityOpts: ["no-new-privileges:true"],
                logDriver: "json-file",
                logOpts: { "max-size": "10m", "max-file": "3" },
            },
            {
                parent: this,
                provider,
                dependsOn: [
                    ...engine.ready,
                    ...files.ready,
                    ...policies.ready,
                    ...(args.dependsOn ?? []),
                ],
                deleteBeforeReplace: true,
            },
        );

        this.registerOutputs({});
    }
}

/** Runs nginx in the foreground and reloads it periodically, so renewed certificates are used. */
function serveAndReload(): string {
    const reloadLoop = `while :; do sleep ${reloadEverySeconds}; nginx -s reload; done`;
    return `${reloadLoop} & exec nginx -g 'daemon off;'`;
}
