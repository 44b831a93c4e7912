/**
 * nginx server blocks for the MTA-STS endpoint: one per domain, answering only for
 * `mta-sts.<domain>` and only with the policy file.
 */
import type { HostConfig, StackConfig } from "../../config";
import { mtaStsHost } from "./policy";

/** Paths as the nginx container sees them; tests point them into a temporary folder. */
export interface SitePaths {
    webRoot: string;
    certificates: string;
}

export const containerPaths: SitePaths = {
    webRoot: "/srv/mta-sts",
    certificates: "/etc/letsencrypt/live",
};

const securityHeaders = [
    'add_header Strict-Transport-Security "max-age=31536000" always;',
    'add_header X-Content-Type-Options "nosniff" always;',
    "add_header Content-Security-Policy \"default-src 'none'; frame-ancestors 'none'\" always;",
    'add_header X-Frame-Options "DENY" always;',
    'add_header Referrer-Policy "no-referrer" always;',
];

export function mtaStsSites(host: HostConfig, config: StackConfig, paths = containerPaths): string {
    const certificate = `${paths.certificates}/${host.hostname}`;
    const listen = (extra: string) => [
        `    listen 443 ssl${extra};`,
        ...(host.ipv6 ? [`    listen [::]:443 ssl${extra};`] : []),
    ];
    const fallback = [
        "# Any other name: refuse the TLS handshake, so nothing answers for names we do not own.",
        "server {",
        ...listen(" default_server"),
        "    ssl_reject_handshake on;",
        "}",
    ];
    const sites = config.domains.flatMap((d) => [
        "",
        "server {",
        ...listen(""),
        `    server_name ${mtaStsHost(d.name)};`,
        `    ssl_certificate ${certificate}/fullchain.pem;`,
        `    ssl_certificate_key ${certificate}/privkey.pem;`,
        `    root ${paths.webRoot}/${d.name};`,
        ...securityHeaders.map((h) => `    ${h}`),
        "",
        "    location = /.well-known/mta-sts.txt {",
        "        default_type text/plain;",
        "        try_files /mta-sts.txt =404;",
        "    }",
        "",
        "    location / {",
        "        return 404;",
        "    }",
        "}",
    ]);
    return [
        "# Rendered by mailfort: the MTA-STS endpoint's server blocks.",
        ...fallback,
        ...sites,
        "",
    ].join("\n");
}
