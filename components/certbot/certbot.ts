/**
 * The certbot sidecar: obtains and renews the mail host's certificate with the DNS-01 challenge,
 * so port 80 stays closed. Its Cloudflare token can edit DNS of mailfort's zones and nothing else.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";

import type { HostConfig, StackConfig } from "../../config";
import { durationSeconds } from "../../config/sections/primitives";
import { Connection, DockerHost, HostFile, HostFiles, hostPaths } from "../host";
import { mtaStsHost } from "../mtasts/policy";

/** Cloudflare's permission group "DNS Write" (Zone › DNS › Edit). */
export const dnsWritePermissionGroup = "4755a26eedb94da69e1066d98aa820be";

export const certbotImage = (config: StackConfig) =>
    `certbot/dns-cloudflare:${config.certbot.imageTag}`;

/** A token limited to DNS edits of the configured zones, for this stack's certbot sidecars. */
export function certbotApiToken(name: string, config: StackConfig, parent: pulumi.Resource) {
    const zones = Object.fromEntries(
        config.domains.map((d) => [`com.cloudflare.api.account.zone.${d.cloudflareZoneId}`, "*"]),
    );
    return new cloudflare.ApiToken(
        name,
        {
            name: `mailfort-certbot-${pulumi.getStack()}`,
            policies: [
                {
                    effect: "allow",
                    permissionGroups: [{ id: dnsWritePermissionGroup }],
                    resources: JSON.stringify(zones),
                },
            ],
        },
        { parent },
    );
}

/**
 * Names on the host's certificate: its own mail host name first, then on the primary MX the
 * MTA-STS endpoint of every domain when that endpoint runs.
 */
export function certificateNames(host: HostConfig, config: StackConfig): string[] {
    const primary = config.hosts[0]?.hostname === host.hostname;
    const mtaSts =
        primary && config.services.mtaSts ? config.domains.map((d) => mtaStsHost(d.name)) : [];
    return [host.hostname, ...mtaSts];
}

export function certificatePath(host: HostConfig, file = "fullchain.pem"): string {
    return `${hostPaths.letsencrypt}/live/${host.hostname}/${file}`;
}

/** Files the sidecar needs on the host: the renewal loop and the token (secret, mode 0600). */
export function certbotFiles(token: pulumi.Input<string>): HostFile[] {
    return [
        {
            path: `${hostPaths.certbotSecrets}/renew-loop.sh`,
            content: readFileSync(join(__dirname, "renew-loop.sh"), "utf8"),
            mode: "0755",
        },
        {
            path: `${hostPaths.certbotSecrets}/cloudflare.ini`,
            content: pulumi.interpolate`dns_cloudflare_api_token = ${token}\n`,
            mode: "0600",
            secret: true,
        },
    ];
}

export function certbotEnvironment(host: HostConfig, config: StackConfig): string[] {
    const names = certificateNames(host, config);
    return [
        `CERT_NAME=${host.hostname}`,
        `CERT_DOMAINS=${names.join(",")}`,
        `CERT_EMAIL=${config.certbot.email ?? config.contacts.admin}`,
        `PROPAGATION_SECONDS=${config.certbot.dnsPropagationSeconds}`,
        `RENEW_SECONDS=${durationSeconds(config.certbot.renewEvery)}`,
    ];
}

export interface CertbotArgs {
    connection: pulumi.Input<Connection>;
    host: HostConfig;
    config: StackConfig;
    /** The Docker engine of this host. */
    docker: DockerHost;
    /** The scoped Cloudflare API token's value. */
    token: pulumi.Input<string>;
}

/**
 * The `certbot-mailserver` container and a wait for its first certificate, so that the mail
 * container is created only once there is a certificate to load.
 */
export class Certbot extends pulumi.ComponentResource {
    /** Finishes once the certificate exists on the host. */
    readonly certificateReady: command.remote.Command;

    /**
     * @param name The unique name of the sidecar.
     * @param args The host, its connection and Docker provider, the token.
     * @param opts Options for the component.
     */
    constructor(name: string, args: CertbotArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mailfort:certbot:Certbot", name, {}, opts);
        const { host, config, docker: engine } = args;
        const provider = engine.provider;

        const files = new HostFiles(
            `${name}-files`,
            {
                connection: args.connection,
                files: certbotFiles(args.token),
            },
            { parent: this },
        );

        const image = new docker.RemoteImage(
            `${name}-image`,
            {
                name: certbotImage(config),
                keepLocally: true,
            },
            { parent: this, provider, dependsOn: engine.ready },
        );

        const container = new docker.Container(
            `${name}-container`,
            {
                name: "certbot-mailserver",
                image: image.imageId,
                entrypoints: ["/bin/sh"],
                command: ["/run/mailfort/renew-loop.sh"],
                envs: certbotEnvironment(host, config),
                volumes: [
                    { hostPath: hostPaths.letsencrypt, containerPath: "/etc/letsencrypt" },
                    {
                        hostPath: hostPaths.certbotSecrets,
                        containerPath: "/run/mailfort",
                        readOnly: true,
                    },
                ],
                labels: [
                    { label: "mailfort.role", value: "certbot" },
                    // A new token or loop script must reach the running container.
                    { label: "mailfort.files-digest", value: pulumi.unsecret(files.digest) },
                ],
                restart: "unless-stopped",
                capabilities: { drops: ["ALL"] },
                securityOpts: ["no-new-privileges:true"],
                logDriver: "json-file",
                logOpts: { "max-size": "10m", "max-file": "3" },
            },
            {
                parent: this,
                provider,
                dependsOn: [...engine.ready, ...files.ready],
                deleteBeforeReplace: true,
            },
        );

        // A new name (MTA-STS switched on, a domain added) must be on the certificate before the
        // containers that serve it start; a changed trigger runs the wait again.
        const names = certificateNames(host, config);
        this.certificateReady = new command.remote.Command(
            `${name}-first-certificate`,
            {
                connection: args.connection,
                create: waitForCertificateCommand(certificatePath(host), names, 900),
                triggers: [names.join(",")],
            },
            { parent: this, dependsOn: [container] },
        );

        this.registerOutputs({});
    }
}

/**
 * Polls, with a bounded wait, until the certificate exists and names every one of `names` (its
 * subjectAltName, read with the host's openssl); fails with a hint when it never does.
 */
export function waitForCertificateCommand(path: string, names: string[], seconds: number): string {
    const tries = Math.ceil(seconds / 5);
    const sans = `openssl x509 -in ${path} -noout -ext subjectAltName 2>/dev/null | tr -d " "`;
    const hasAll = names.map((n) => `printf "%s" "$s" | tr "," "\\n" | grep -qxF DNS:${n}`);
    const covered = `[ -s ${path} ] && s=$(${sans}) && ${hasAll.join(" && ")}`;
    return (
        `sudo /bin/sh -c 'i=0; until ${covered}; do i=$((i+1)); ` +
        `if [ $i -gt ${tries} ]; then echo "no certificate for ${names.join(" ")} at ${path} ` +
        `after ${seconds}s: see docker logs certbot-mailserver" >&2; exit 1; fi; sleep 5; done'`
    );
}
