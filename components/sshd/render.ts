/**
 * Pure renderers for the sshd hardening: the drop-in (dev-sec ssh baseline), the deploy user's
 * authorized_keys and the parameters of the apply script. No Pulumi resources here.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import type { HostConfig, StackConfig } from "../../config";
import type { SshdSettings } from "../../config/sections/sshd";
import type { HostFile } from "../host/files";
import { hostPaths } from "../host/paths";

/** Where the apply script installs the drop-in; `10-` sorts before cloud-init's `50-`. */
export const sshdDropinPath = "/etc/ssh/sshd_config.d/10-mailfort.conf";

export const sshdStaging = `${hostPaths.etc}/sshd`;
export const sshdApplyScript = `${hostPaths.bin}/mailfort-sshd-apply`;
export const sshdApplyConf = `${sshdStaging}/apply.conf`;

// Post-quantum hybrid first (OpenSSH 8.5+, so Ubuntu 22.04 and later), then curve25519 that the
// Go SSH client behind @pulumi/command speaks, then large finite-field groups.
export const kexAlgorithms = [
    "sntrup761x25519-sha512@openssh.com",
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "diffie-hellman-group18-sha512",
    "diffie-hellman-group16-sha512",
];

export const ciphers = [
    "chacha20-poly1305@openssh.com",
    "aes256-gcm@openssh.com",
    "aes128-gcm@openssh.com",
    "aes256-ctr",
    "aes192-ctr",
    "aes128-ctr",
];

// Encrypt-then-MAC only; the AEAD ciphers above do not use a MAC at all.
export const macs = [
    "hmac-sha2-512-etm@openssh.com",
    "hmac-sha2-256-etm@openssh.com",
    "umac-128-etm@openssh.com",
];

const modernHostKeyAlgorithms = [
    "ssh-ed25519",
    "ssh-ed25519-cert-v01@openssh.com",
    "rsa-sha2-512",
    "rsa-sha2-256",
];

/**
 * Host key algorithms sshd offers. The key Pulumi pins (`hosts[].ssh.hostKey`) must stay offered,
 * or every later deployment fails host key verification.
 *
 * Limitation: an ECDSA pinned host key keeps an ecdsa-sha2-nistp* algorithm on offer, which
 * ssh-audit reports as a failure (NIST curves); pin the host's ed25519 key instead.
 */
export function hostKeyAlgorithms(host: HostConfig): string[] {
    const pinned = host.ssh.hostKey.split(" ")[0] ?? "";
    const extra = pinned.startsWith("ecdsa-sha2-") ? [pinned] : [];
    return [...modernHostKeyAlgorithms, ...extra];
}

/** The deploy user is always allowed, first; duplicates are dropped. */
export function allowedUsers(host: HostConfig, sshd: SshdSettings): string[] {
    return [...new Set([host.ssh.user, ...sshd.allowUsers])];
}

/** `no`, unless the deploy user is root: then keys only, never a password. */
export function permitRootLogin(host: HostConfig): "no" | "prohibit-password" {
    return host.ssh.user === "root" ? "prohibit-password" : "no";
}

function authenticationLines(sshd: SshdSettings): string[] {
    const password = sshd.passwordAuthentication ? "yes" : "no";
    return [
        "PubkeyAuthentication yes",
        `PasswordAuthentication ${password}`,
        "KbdInteractiveAuthentication no",
        "PermitEmptyPasswords no",
        "HostbasedAuthentication no",
        "IgnoreRhosts yes",
        "GSSAPIAuthentication no",
        "KerberosAuthentication no",
        ...(sshd.passwordAuthentication ? [] : ["AuthenticationMethods publickey"]),
        "StrictModes yes",
    ];
}

function algorithmLines(host: HostConfig): string[] {
    return [
        `HostKeyAlgorithms ${hostKeyAlgorithms(host).join(",")}`,
        `KexAlgorithms ${kexAlgorithms.join(",")}`,
        `Ciphers ${ciphers.join(",")}`,
        `MACs ${macs.join(",")}`,
    ];
}

function sessionLines(sshd: SshdSettings): string[] {
    return [
        `MaxAuthTries ${sshd.maxAuthTries}`,
        `MaxSessions ${sshd.maxSessions}`,
        "MaxStartups 10:30:60",
        `LoginGraceTime ${sshd.loginGraceTimeSeconds}`,
        `ClientAliveInterval ${sshd.clientAliveIntervalSeconds}`,
        `ClientAliveCountMax ${sshd.clientAliveCountMax}`,
        "TCPKeepAlive no",
    ];
}

// DisableForwarding covers everything at once; the single switches stay for auditors and tools
// that look for them by name.
const forwardingLines = [
    "DisableForwarding yes",
    "AllowTcpForwarding no",
    "AllowAgentForwarding no",
    "AllowStreamLocalForwarding no",
    "X11Forwarding no",
    "PermitTunnel no",
    "GatewayPorts no",
    "PermitUserEnvironment no",
    "PermitUserRC no",
];

/**
 * `Port` lines: none for plain 22 (sshd's default); otherwise every port, since one `Port` line
 * replaces the default.
 *
 * Limitation: a `Port` in sshd_config itself adds to these rather than being replaced.
 */
export function portLines(host: HostConfig, sshd: SshdSettings): string[] {
    const ports = [...new Set([host.ssh.port, ...sshd.extraPorts])];
    return ports.length === 1 && ports[0] === 22 ? [] : ports.map((port) => `Port ${port}`);
}

/** The drop-in text for one host. */
export function renderSshdDropin(host: HostConfig, sshd: SshdSettings): string {
    const port = portLines(host, sshd);
    const lines = [
        "# Managed by mailfort (components/sshd); local edits are replaced on next deployment.",
        "# dev-sec ssh baseline. sshd keeps the first value it reads and this file sorts first,",
        "# so it wins over the distribution's and cloud-init's drop-ins.",
        ...port,
        ...algorithmLines(host),
        ...authenticationLines(sshd),
        `PermitRootLogin ${permitRootLogin(host)}`,
        `AllowUsers ${allowedUsers(host, sshd).join(" ")}`,
        ...sessionLines(sshd),
        ...forwardingLines,
        "Compression no",
        "UseDNS no",
        "PrintLastLog yes",
        "SyslogFacility AUTH",
        // Fail2Ban's sshd filter needs the key fingerprints and disconnect reasons VERBOSE logs.
        "LogLevel VERBOSE",
    ];
    return `${lines.join("\n")}\n`;
}

export const stagedAuthorizedKeys = `${sshdStaging}/authorized_keys`;

/** Whether mailfort owns the deploy user's authorized_keys: only when keys are configured. */
export function managesAuthorizedKeys(sshd: SshdSettings): boolean {
    return sshd.authorizedKeys.length > 0;
}

export function renderAuthorizedKeys(sshd: SshdSettings): string {
    const header = "# Managed by mailfort (mailfort:sshd.authorizedKeys); replaced on deployment.";
    return `${[header, ...sshd.authorizedKeys].join("\n")}\n`;
}

/** Parameters of `mailfort-sshd-apply`, as a sourced shell file; every value is validated. */
export function renderApplyConf(host: HostConfig, sshd: SshdSettings): string {
    return [
        "# Parameters of mailfort-sshd-apply, rendered by mailfort.",
        `DROPIN=${sshdDropinPath}`,
        `CANDIDATE=${sshdStaging}/10-mailfort.conf`,
        `KEYS_CANDIDATE=${managesAuthorizedKeys(sshd) ? stagedAuthorizedKeys : ""}`,
        `KEYS_USER=${host.ssh.user}`,
        `STATE_DIR=${hostPaths.state}/sshd`,
        `GUARD_SECONDS=${sshd.guardSeconds}`,
        `SECURITY_LOG=${hostPaths.securityLog}`,
        "",
    ].join("\n");
}

export function readSshdApplyScript(): string {
    return fs.readFileSync(path.join(__dirname, "mailfort-sshd-apply"), "utf8");
}

/**
 * Every file the sshd hardening ships to one host; the apply script installs the staged drop-in
 * and authorized_keys. Without configured keys the user's authorized_keys is left alone.
 */
export function sshdFiles(host: HostConfig, config: StackConfig): HostFile[] {
    const keys = managesAuthorizedKeys(config.sshd)
        ? [{ path: stagedAuthorizedKeys, content: renderAuthorizedKeys(config.sshd) }]
        : [];
    return [
        { path: sshdApplyScript, content: readSshdApplyScript(), mode: "0755" },
        { path: sshdApplyConf, content: renderApplyConf(host, config.sshd), mode: "0600" },
        { path: `${sshdStaging}/10-mailfort.conf`, content: renderSshdDropin(host, config.sshd) },
        ...keys,
    ];
}
