/**
 * The happy path: every resource of a one-host mailfort stack as the policies see it (inputs as
 * plain values), built the way the program builds them. It passes every policy; each failing
 * case in `cases.ts` breaks a fresh copy of it in one way.
 */
import { generateKeyPairSync, KeyObject } from "node:crypto";

import type { HostConfig } from "../../config";
import { dockerSshOptions, installCommand } from "../../components/host";
import type { PlannedResource } from "../../policies/run";

export const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMailfortPolicyTestHostKey";

const host = {
    hostname: "mail.example.com",
    ipv4: "203.0.113.10",
    ssh: { user: "deploy", port: 22, hostKey, privateKeyConfigKey: "sshPrivateKey" },
} as HostConfig;

/** An RSA key pair of the given size, as the stack's tls.PrivateKey would make it. */
export function rsaKeyPair(bits: number): { publicKey: KeyObject; privateKey: KeyObject } {
    return generateKeyPairSync("rsa", { modulusLength: bits });
}

/** The base64 SubjectPublicKeyInfo a DKIM record publishes in p=. */
export function dkimPublicKeyData(key: KeyObject): string {
    return key.export({ type: "spki", format: "der" }).toString("base64");
}

/** TXT content as Cloudflare needs it: quoted strings of at most 255 bytes, space-separated. */
export function quotedTxt(text: string): string {
    const strings: string[] = [];
    for (let at = 0; at < text.length; at += 255) strings.push(`"${text.slice(at, at + 255)}"`);
    return strings.join(" ");
}

const dkimKey = rsaKeyPair(2048);
export const dkimRecordText = `v=DKIM1; k=rsa; p=${dkimPublicKeyData(dkimKey.publicKey)}`;
const dkimPrivatePem = dkimKey.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const sshPrivateKey =
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n" +
    "-----END OPENSSH PRIVATE KEY-----\n";

export const mailEnv = [
    "OVERRIDE_HOSTNAME=mail.example.com",
    "POSTMASTER_ADDRESS=postmaster@example.com",
    "TZ=UTC",
    "LOG_LEVEL=info",
    "ENABLE_RSPAMD=1",
    "ENABLE_RSPAMD_REDIS=1",
    "RSPAMD_GREYLISTING=1",
    "RSPAMD_LEARN=1",
    "ENABLE_CLAMAV=1",
    "ENABLE_AMAVIS=0",
    "ENABLE_SPAMASSASSIN=0",
    "ENABLE_OPENDKIM=0",
    "ENABLE_OPENDMARC=0",
    "ENABLE_POLICYD_SPF=0",
    "ENABLE_POSTGREY=0",
    "ENABLE_FAIL2BAN=0",
    "ENABLE_POP3=0",
    "ENABLE_MANAGESIEVE=0",
    "ENABLE_UPDATE_CHECK=0",
    "TLS_LEVEL=modern",
    "SSL_TYPE=letsencrypt",
    "SPOOF_PROTECTION=1",
    "PERMIT_DOCKER=none",
    "POSTFIX_INET_PROTOCOLS=ipv4",
    "DOVECOT_INET_PROTOCOLS=ipv4",
    "POSTFIX_MESSAGE_SIZE_LIMIT=52428800",
    "POSTFIX_MAILBOX_SIZE_LIMIT=1073741824",
    "ENABLE_QUOTAS=1",
    "MOVE_SPAM_TO_JUNK=1",
    "REPORT_RECIPIENT=admin@example.com",
    "LOGROTATE_INTERVAL=weekly",
];

const connection = {
    host: host.ipv4,
    port: 22,
    user: "deploy",
    hostKey,
    privateKey: sshPrivateKey,
    dialErrorLimit: 20,
    perDialTimeout: 20,
};

const reloadPostfix = "docker exec mailserver postfix reload";
const tcp = (port: number) => ({ internal: port, external: port, protocol: "tcp", ip: "0.0.0.0" });
const role = (value: string) => [{ label: "mailfort.role", value }];
const imageId = `sha256:${"ab12".repeat(16)}`;

function dns(name: string, props: Record<string, unknown>): PlannedResource {
    return {
        type: "cloudflare:index/dnsRecord:DnsRecord",
        name,
        props: { zoneId: "0123456789abcdef0123456789abcdef", ttl: 3600, proxied: false, ...props },
    };
}

function hostFile(name: string, path: string, stdin: string, secret: boolean): PlannedResource {
    const create = installCommand({ path, content: stdin, mode: secret ? "0600" : "0644" });
    return {
        type: "command:remote:Command",
        name,
        props: {
            connection, create, update: create, delete: `sudo rm -f ${path}`, stdin,
            logging: secret ? "none" : "stdoutAndStderr",
        },
    };
}

/** A fresh copy of the whole happy-path stack; tests may change it freely. */
export function happyStack(): PlannedResource[] {
    return structuredClone(stack);
}

const stack: PlannedResource[] = [
    {
        type: "pulumi:providers:docker",
        name: "mx1-docker",
        // Providers receive list inputs JSON-encoded, as @pulumi/docker's Provider does.
        props: {
            host: `ssh://deploy@${host.ipv4}:22`,
            sshOpts: JSON.stringify(dockerSshOptions(host)),
        },
    },
    {
        type: "docker:index/remoteImage:RemoteImage",
        name: "mx1-dms-image",
        props: { name: "ghcr.io/docker-mailserver/docker-mailserver:15.1.0", keepLocally: true },
    },
    {
        type: "docker:index/remoteImage:RemoteImage",
        name: "mx1-certbot-image",
        props: { name: "certbot/dns-cloudflare:v4.1.1", keepLocally: true },
    },
    {
        type: "docker:index/remoteImage:RemoteImage",
        name: "mx1-mta-sts-image",
        props: { name: "nginx:1.27.3-alpine", keepLocally: true },
    },
    {
        type: "docker:index/container:Container",
        name: "mx1-mailserver",
        props: {
            name: "mailserver",
            image: imageId,
            hostname: "mail.example.com",
            envs: mailEnv,
            ports: [tcp(25), tcp(465), tcp(587), tcp(993)],
            labels: role("mailserver"),
            restart: "unless-stopped",
            capabilities: {
                drops: ["ALL"],
                adds: ["CHOWN", "SETUID", "SETGID", "NET_BIND_SERVICE"],
            },
        },
    },
    {
        type: "docker:index/container:Container",
        name: "mx1-certbot",
        props: {
            name: "certbot-mailserver",
            image: imageId,
            entrypoints: ["/bin/sh", "-c"],
            command: [
                "trap exit TERM; while :; do certbot renew --dns-cloudflare " +
                    "--dns-cloudflare-credentials /etc/mailfort/certbot/cloudflare.ini; " +
                    "sleep 12h & wait $!; done",
            ],
            labels: role("certbot"),
            restart: "unless-stopped",
        },
    },
    {
        type: "docker:index/container:Container",
        name: "mx1-mta-sts",
        props: {
            name: "mta-sts",
            image: "nginx:1.27.3-alpine",
            ports: [tcp(443)],
            labels: role("mta-sts"),
        },
    },
    {
        type: "tls:index/privateKey:PrivateKey",
        name: "dkim-example-com",
        props: { algorithm: "RSA", rsaBits: 2048 },
    },
    hostFile(
        "mx1-dkim-key",
        "/opt/mailfort/dms/config/rspamd/dkim/mail.key",
        dkimPrivatePem,
        true,
    ),
    hostFile(
        "mx1-certbot-credentials",
        "/opt/mailfort/certbot/cloudflare.ini",
        `dns_cloudflare_api_token = ${"Zx9".repeat(13)}A\n`,
        true,
    ),
    hostFile("mx1-postfix-main", "/opt/mailfort/dms/config/postfix-main.cf",
        "smtpd_helo_required = yes\n", false),
    {
        type: "command:remote:Command",
        name: "mx1-reload-postfix",
        props: { connection, create: reloadPostfix, update: reloadPostfix },
    },
    dns("mx1-a", { type: "A", name: "mail.example.com", content: host.ipv4 }),
    dns("example-com-mx", {
        type: "MX",
        name: "example.com",
        content: "mail.example.com",
        priority: 10,
    }),
    dns("example-com-spf", {
        type: "TXT",
        name: "example.com",
        content: quotedTxt("v=spf1 mx -all"),
    }),
    dns("example-com-dkim", {
        type: "TXT",
        name: "mail._domainkey.example.com",
        content: quotedTxt(dkimRecordText),
    }),
    dns("example-com-dmarc", {
        type: "TXT",
        name: "_dmarc.example.com",
        content: quotedTxt(
            "v=DMARC1; p=quarantine; adkim=s; aspf=s; rua=mailto:dmarc@example.com",
        ),
    }),
    dns("example-com-tlsrpt", {
        type: "TXT",
        name: "_smtp._tls.example.com",
        content: quotedTxt("v=TLSRPTv1; rua=mailto:tlsrpt@example.com"),
    }),
    dns("example-com-mta-sts", {
        type: "TXT",
        name: "_mta-sts.example.com",
        content: quotedTxt("v=STSv1; id=20261203T000000"),
    }),
    dns("example-com-caa-issue", {
        type: "CAA",
        name: "example.com",
        data: { flags: 0, tag: "issue", value: "letsencrypt.org; validationmethods=dns-01" },
    }),
    dns("example-com-caa-issuewild", {
        type: "CAA",
        name: "example.com",
        data: { flags: 0, tag: "issuewild", value: ";" },
    }),
];

/** The resource of the given name in a stack; throws so a renamed fixture fails loudly. */
export function resourceNamed(resources: PlannedResource[], name: string): PlannedResource {
    const found = resources.find((resource) => resource.name === name);
    if (!found) throw new Error(`fixture has no resource named ${name}`);
    return found;
}
