/**
 * Pure renderers for the host baseline: unattended-upgrades, the Docker daemon configuration,
 * the host name and the parameters of the baseline scripts.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

import type { HostConfig, StackConfig } from "../../config";
import type { BaselineSettings } from "../../config/sections/baseline";
import type { HostFile } from "../host/files";
import { hostPaths } from "../host/paths";

export const unattendedUpgradesPath = "/etc/apt/apt.conf.d/52mailfort-unattended-upgrades";
export const autoUpgradesPath = "/etc/apt/apt.conf.d/20auto-upgrades";
export const daemonJsonPath = "/etc/docker/daemon.json";
export const cloudInitHostnamePath = "/etc/cloud/cloud.cfg.d/99-mailfort-hostname.cfg";
export const baselineConfPath = `${hostPaths.etc}/baseline.conf`;
export const baselineScript = `${hostPaths.bin}/mailfort-baseline`;

/**
 * A unique local /64 (RFC 4193) for the default Docker bridge. The 40-bit global ID comes from
 * a hash of the host name instead of a random draw, so the rendering stays the same on every run.
 */
export function ulaFor(hostname: string): string {
    const hex = createHash("sha256").update(`mailfort:${hostname}`).digest("hex");
    const groups = [`fd${hex.slice(0, 2)}`, hex.slice(2, 6), hex.slice(6, 10), "1"];
    return `${groups.map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

// Security pockets only: ordinary updates can change behaviour and wait for a deployment.
function origins(baseline: BaselineSettings): string[] {
    const docker = baseline.updates.dockerUpdates
        ? ["origin=Docker,archive=${distro_codename}"]
        : [];
    return [
        "origin=${distro_id},archive=${distro_codename}-security",
        "origin=UbuntuESMApps,archive=${distro_codename}-apps-security",
        "origin=UbuntuESM,archive=${distro_codename}-infra-security",
        ...docker,
    ];
}

/**
 * unattended-upgrades settings. Files in apt.conf.d are read in name order, so this one clears
 * the origin lists of the distribution's 50unattended-upgrades and replaces them.
 *
 * The result reaches the admin through the monitoring's security-updates check, which reads
 * unattended-upgrades' log. Limitation: the package's own report mail needs a sendmail or mailx
 * on the host itself, which mailfort does not install.
 */
export function renderUnattendedUpgrades(config: StackConfig): string {
    const updates = config.baseline.updates;
    const quoted = origins(config.baseline).map((o) => `    "${o}";`);
    return [
        "// Managed by mailfort (components/baseline); replaced on the next deployment.",
        "#clear Unattended-Upgrade::Allowed-Origins;",
        "#clear Unattended-Upgrade::Origins-Pattern;",
        "Unattended-Upgrade::Origins-Pattern {",
        ...quoted,
        "};",
        `Unattended-Upgrade::Mail "${config.contacts.admin}";`,
        `Unattended-Upgrade::MailReport "${updates.mailReport}";`,
        `Unattended-Upgrade::Automatic-Reboot "${updates.automaticReboot}";`,
        // A forgotten SSH session must not hold back a kernel fix forever.
        'Unattended-Upgrade::Automatic-Reboot-WithUsers "true";',
        `Unattended-Upgrade::Automatic-Reboot-Time "${updates.rebootTime}";`,
        'Unattended-Upgrade::Remove-Unused-Kernel-Packages "true";',
        'Unattended-Upgrade::Remove-New-Unused-Dependencies "true";',
        'Unattended-Upgrade::AutoFixInterruptedDpkg "true";',
        'Unattended-Upgrade::MinimalSteps "true";',
        'Unattended-Upgrade::SyslogEnable "true";',
        "",
    ].join("\n");
}

export function renderAutoUpgrades(): string {
    return [
        "// Managed by mailfort (components/baseline): daily lists, download and upgrade.",
        'APT::Periodic::Update-Package-Lists "1";',
        'APT::Periodic::Download-Upgradeable-Packages "1";',
        'APT::Periodic::Unattended-Upgrade "1";',
        'APT::Periodic::AutocleanInterval "7";',
        "",
    ].join("\n");
}

/**
 * dockerd settings. Without the userland proxy and with IPv6 on the bridge, connections to the
 * published mail ports are DNATed with their client address intact, so Postfix logs and
 * Fail2Ban bans the real client instead of the bridge gateway.
 */
/*
 * Limitation: `fixed-cidr-v6` covers the default bridge only; a user-defined network for the mail
 * container needs IPv6 enabled on the network itself (`enableIpv6` and an IPv6 subnet).
 */
export function renderDaemonJson(host: HostConfig, baseline: BaselineSettings): string {
    const daemon = {
        "log-driver": "json-file",
        "log-opts": {
            "max-size": baseline.docker.logMaxSize,
            "max-file": String(baseline.docker.logMaxFiles),
        },
        "userland-proxy": false,
        ipv6: true,
        "fixed-cidr-v6": baseline.docker.ipv6Cidr ?? ulaFor(host.hostname),
        ip6tables: true,
        // Containers keep running while dockerd restarts (daemon.json changes, engine updates).
        "live-restore": true,
    };
    return `${JSON.stringify(daemon, null, 4)}\n`;
}

export function renderCloudInitHostname(): string {
    return [
        "# Managed by mailfort: keep the mail host name across reboots, not the provider's name.",
        "preserve_hostname: true",
        "manage_etc_hosts: false",
        "",
    ].join("\n");
}

export function renderBaselineConf(host: HostConfig): string {
    return [
        "# Parameters of mailfort-baseline, rendered by mailfort.",
        `MAIL_HOSTNAME=${host.hostname}`,
        `DOCKER_USER=${host.ssh.user}`,
        `SECURITY_LOG=${hostPaths.securityLog}`,
        "",
    ].join("\n");
}

function readLocal(name: string): string {
    return fs.readFileSync(path.join(__dirname, name), "utf8");
}

/** Every file the baseline ships to one host. */
export function baselineFiles(host: HostConfig, config: StackConfig): HostFile[] {
    return [
        { path: baselineScript, content: readLocal("mailfort-baseline"), mode: "0755" },
        {
            path: `${hostPaths.bin}/mailfort-install-docker`,
            content: readLocal("mailfort-install-docker"),
            mode: "0755",
        },
        { path: baselineConfPath, content: renderBaselineConf(host) },
        { path: unattendedUpgradesPath, content: renderUnattendedUpgrades(config) },
        { path: autoUpgradesPath, content: renderAutoUpgrades() },
        { path: daemonJsonPath, content: renderDaemonJson(host, config.baseline) },
        { path: cloudInitHostnamePath, content: renderCloudInitHostname() },
    ];
}
