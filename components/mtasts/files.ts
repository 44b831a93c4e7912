/** The endpoint's files on the host: nginx's config, server blocks and a policy per domain. */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import type { HostConfig, StackConfig } from "../../config";
import type { HostFile } from "../host";
import { mtaStsPaths } from "./paths";
import { mtaStsPolicy } from "./policy";
import { mtaStsSites } from "./sites";

/** nginx reads these at start; a change restarts the container. */
export function nginxFiles(host: HostConfig, config: StackConfig): HostFile[] {
    return [
        {
            path: `${mtaStsPaths.config}/nginx.conf`,
            content: readFileSync(join(__dirname, "nginx.conf"), "utf8"),
        },
        { path: `${mtaStsPaths.config}/mailfort/sites.conf`, content: mtaStsSites(host, config) },
    ];
}

/** Served as static files: a new policy is live as soon as it lands. */
export function policyFiles(config: StackConfig): HostFile[] {
    const policy = mtaStsPolicy(config);
    return [
        ...config.domains.map(
            (d): HostFile => ({
                path: `${mtaStsPaths.webRoot}/${d.name}/mta-sts.txt`,
                content: policy,
            }),
        ),
    ];
}

export const nginxLogrotatePath = "/etc/logrotate.d/mailfort-nginx";

/**
 * Daily rotation of the endpoint's logs, which nginx writes to the host through a bind mount.
 * nginx keeps writing to the renamed file until told to reopen; delaycompress leaves the newest
 * rotated file plain for Fail2Ban to finish reading.
 */
export function nginxLogRotation(): HostFile {
    const content = [
        `${mtaStsPaths.logs}/*.log {`,
        "    daily",
        "    rotate 14",
        "    compress",
        "    delaycompress",
        "    missingok",
        "    notifempty",
        "    sharedscripts",
        "    postrotate",
        "        docker exec mta-sts nginx -s reopen >/dev/null 2>&1 || true",
        "    endscript",
        "}",
        "",
    ].join("\n");
    return { path: nginxLogrotatePath, content, mode: "0644" };
}
