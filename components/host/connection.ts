/**
 * The one way mailfort reaches a host: SSH with the host key pinned. Every remote command and the
 * Docker provider are built from here, so no code path can fall back to trusting any host key.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type * as command from "@pulumi/command";

import type { HostConfig, StackConfig } from "../../config";

export type Connection = command.types.input.remote.ConnectionArgs;

/** Builds the SSH connection for a host; refuses to build one without a pinned host key. */
export function hostConnection(host: HostConfig, config: StackConfig): Connection {
    if (!host.ssh.hostKey) {
        throw new Error(
            `mailfort:hosts ${host.hostname}: ssh.hostKey is required; refusing to trust any key`,
        );
    }
    const privateKey = config.secrets.sshPrivateKeys[host.ssh.privateKeyConfigKey];
    if (!privateKey) {
        throw new Error(
            `mailfort:${host.ssh.privateKeyConfigKey} holds no private key for ${host.hostname}`,
        );
    }
    return {
        host: host.ipv4,
        port: host.ssh.port,
        user: host.ssh.user,
        hostKey: host.ssh.hostKey,
        privateKey: pulumi.secret(privateKey),
        dialErrorLimit: 20,
        perDialTimeout: 20,
    };
}

/**
 * The Docker provider for a host, talking to the engine through `ssh://`. Docker's SSH helper runs
 * the operator's `ssh` binary, so the host key is pinned with `KnownHostsCommand` (OpenSSH 8.5+),
 * which prints the configured key for whatever name ssh looks up.
 *
 * Limitation: the Docker provider cannot take a private key as an input; it authenticates with the
 * operator's ssh-agent or ~/.ssh/config identity for this host, not with the secret in config.
 */
export function dockerProvider(
    name: string,
    host: HostConfig,
    parent: pulumi.Resource,
): docker.Provider {
    return new docker.Provider(
        name,
        {
            host: `ssh://${host.ssh.user}@${host.ipv4}:${host.ssh.port}`,
            sshOpts: dockerSshOptions(host),
            // On a fresh VPS the engine does not exist until the baseline installs it; every
            // Docker resource waits for that, but the provider's own check at start would not.
            disableDockerDaemonCheck: true,
        },
        { parent },
    );
}

/** The Docker engine of a host: its provider, and what must finish before it can be used. */
export interface DockerHost {
    provider: docker.Provider;
    /** Resources that install and configure the engine; every Docker resource waits for them. */
    ready: pulumi.Resource[];
}

export function dockerSshOptions(host: HostConfig): string[] {
    return [
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "GlobalKnownHostsFile=/dev/null",
        "-o",
        `KnownHostsCommand=/bin/echo %H ${host.ssh.hostKey}`,
        "-o",
        "BatchMode=yes",
    ];
}
