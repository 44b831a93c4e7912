/**
 * One failing case per way of breaking the happy-path stack: which policy must catch it and
 * what its message must say. Each area adds a `*.cases.ts` file exporting `failingCases` in the
 * same form and lists it in `all-cases.ts`; `coverage.test.ts` checks every policy has one.
 */
import { quotedTxt, rsaKeyPair, dkimPublicKeyData, resourceNamed } from "./fixture";
import { setEnv } from "./support";
import type { PlannedResource } from "../../policies/run";

export interface FailingCase {
    policy: string;
    title: string;
    /** Breaks a fresh copy of the happy-path stack in one way. */
    breaks: (stack: PlannedResource[]) => void;
    /** What the policy's message must say (see `says`). */
    message: RegExp;
    /** Other policies the same break rightly trips as well. */
    alsoViolates?: string[];
}

/** A pattern matching text that contains each fragment, in order. */
export function says(...fragments: string[]): RegExp {
    const escaped = fragments.map((f) => f.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"));
    return new RegExp(escaped.join(".*"), "s");
}

const mail = (stack: PlannedResource[]) => resourceNamed(stack, "mx1-mailserver");
const env = (key: string, value: string | undefined) => (stack: PlannedResource[]) =>
    setEnv(mail(stack), key, value);
const props = (name: string) => (stack: PlannedResource[]) => resourceNamed(stack, name).props;
const txt = (name: string, text: string) => (stack: PlannedResource[]) => {
    props(name)(stack)["content"] = quotedTxt(text);
};
const connectionOf = (stack: PlannedResource[]) =>
    props("mx1-reload-postfix")(stack)["connection"] as Record<string, unknown>;
const sshOpts = (options: string[]) => (stack: PlannedResource[]) => {
    props("mx1-docker")(stack)["sshOpts"] = JSON.stringify(options);
};
const remove = (name: string) => (stack: PlannedResource[]) => {
    stack.splice(stack.indexOf(resourceNamed(stack, name)), 1);
};
const dms = "ghcr.io/docker-mailserver/docker-mailserver";
const image = (name: string) => (stack: PlannedResource[]) => {
    props("mx1-dms-image")(stack)["name"] = name;
};
const addPort = (port: Record<string, unknown>) => (stack: PlannedResource[]) => {
    (props("mx1-mailserver")(stack)["ports"] as unknown[]).push(port);
};

export const failingCases: FailingCase[] = [
    {
        policy: "require-modern-tls-level",
        title: "TLS_LEVEL=intermediate",
        breaks: env("TLS_LEVEL", "intermediate"),
        message: says(
            "sets TLS_LEVEL=intermediate; set TLS_LEVEL=modern ",
            "mailfort:mail.tlsLevel",
        ),
    },
    {
        policy: "require-modern-tls-level",
        title: "TLS_LEVEL left to the DMS default",
        breaks: env("TLS_LEVEL", undefined),
        message: says("does not set TLS_LEVEL; set TLS_LEVEL=modern"),
    },
    {
        policy: "require-certificate-ssl-type",
        title: "SSL_TYPE empty",
        breaks: env("SSL_TYPE", ""),
        message: says("leaves SSL_TYPE empty", "cleartext passwords; set SSL_TYPE=letsencrypt"),
    },
    {
        policy: "require-certificate-ssl-type",
        title: "SSL_TYPE=self-signed",
        breaks: env("SSL_TYPE", "self-signed"),
        message: says(
            "sets SSL_TYPE=self-signed",
            "set SSL_TYPE=letsencrypt ",
            "or SSL_TYPE=manual",
        ),
    },
    {
        policy: "require-spam-filter",
        title: "Rspamd off, legacy filters off",
        breaks: env("ENABLE_RSPAMD", "0"),
        message: says(
            "runs no spam filter; set ENABLE_RSPAMD=1",
            "ENABLE_AMAVIS=1 together with ENABLE_SPAMASSASSIN=1",
        ),
    },
    {
        policy: "require-spam-filter",
        title: "Rspamd off, Amavis on by default but SpamAssassin off",
        breaks: (stack) => {
            env("ENABLE_RSPAMD", undefined)(stack);
            env("ENABLE_AMAVIS", undefined)(stack);
        },
        message: says("runs no spam filter"),
    },
    {
        policy: "require-clamav",
        title: "ENABLE_CLAMAV=0",
        breaks: env("ENABLE_CLAMAV", "0"),
        message: says(
            "sets ENABLE_CLAMAV=0, so mail is not scanned",
            "set ENABLE_CLAMAV=1 ",
            "mailfort:mail.clamav",
        ),
    },
    {
        policy: "require-clamav",
        title: "ClamAV left to the DMS default (off)",
        breaks: env("ENABLE_CLAMAV", undefined),
        message: says("does not set ENABLE_CLAMAV"),
    },
    {
        policy: "allow-only-documented-dms-variables",
        title: "the guide's DEFAULT_QUOTA",
        breaks: env("DEFAULT_QUOTA", "1G"),
        message: says(
            "sets DEFAULT_QUOTA, which docker-mailserver 15.1.0 does not have: remove it, ",
            "POSTFIX_MAILBOX_SIZE_LIMIT",
        ),
    },
    {
        policy: "allow-only-documented-dms-variables",
        title: "a misspelt variable",
        breaks: env("POSTFIX_MESAGE_SIZE_LIMIT", "52428800"),
        message: says(
            "POSTFIX_MESAGE_SIZE_LIMIT, which is not a docker-mailserver 15.1.0 variable",
            "and is ignored; remove it or rename it to POSTFIX_MESSAGE_SIZE_LIMIT.",
        ),
    },
    {
        policy: "allow-only-documented-dms-variables",
        title: "a value outside the allowed set",
        breaks: env("LOG_LEVEL", "verbose"),
        message: says('sets LOG_LEVEL=verbose; set it to one of "error", "warn", "info"'),
    },
    {
        policy: "allow-only-documented-dms-variables",
        title: "a size with a suffix where DMS wants bytes",
        breaks: env("POSTFIX_MESSAGE_SIZE_LIMIT", "50M"),
        message: says("POSTFIX_MESSAGE_SIZE_LIMIT=50M; set it to a whole number"),
    },
    {
        policy: "allow-only-documented-dms-variables",
        title: "a variable set twice",
        breaks: (stack) => {
            (mail(stack).props["envs"] as string[]).push("TLS_LEVEL=modern");
        },
        message: says("sets TLS_LEVEL more than once and Docker keeps only the last; set it once"),
    },
    {
        policy: "allow-only-documented-dms-variables",
        title: "an entry without a value",
        breaks: (stack) => {
            (mail(stack).props["envs"] as string[]).push("ENABLE_SRS");
        },
        message: says("lists \"ENABLE_SRS\" without a value", "write it as ENABLE_SRS=VALUE"),
    },
    {
        policy: "forbid-trusted-docker-networks",
        title: "PERMIT_DOCKER=network",
        breaks: env("PERMIT_DOCKER", "network"),
        message: says("sets PERMIT_DOCKER=network", "open relay; set PERMIT_DOCKER=none."),
    },
    {
        policy: "require-pinned-images",
        title: "DMS image :latest",
        breaks: image(`${dms}:latest`),
        message: says(
            "docker-mailserver:latest uses the moving tag latest; pin it ",
            "mailfort:mail.dmsVersion",
        ),
    },
    {
        policy: "require-pinned-images",
        title: "DMS image :edge",
        breaks: image(`${dms}:edge`),
        message: says("uses the moving tag edge"),
    },
    {
        policy: "require-pinned-images",
        title: "DMS image without a tag",
        breaks: image(dms),
        message: says("has no tag, so Docker pulls whatever latest is today"),
    },
    {
        policy: "require-pinned-images",
        title: "DMS image on the major tag 15",
        breaks: image(`${dms}:15`),
        message: says("uses the moving tag 15, which follows new releases"),
    },
    {
        policy: "require-pinned-images",
        title: "certbot image :latest",
        breaks: (stack) => {
            props("mx1-certbot-image")(stack)["name"] = "certbot/dns-cloudflare:latest";
        },
        message: says("certbot/dns-cloudflare:latest ", "mailfort:certbot.imageTag"),
    },
    {
        policy: "require-pinned-images",
        title: "a container started from a floating reference",
        breaks: (stack) => {
            props("mx1-mta-sts")(stack)["image"] = "nginx:stable";
        },
        message: says("Image nginx:stable uses the moving tag stable"),
    },
    {
        policy: "allow-only-mail-ports",
        title: "Rspamd's web UI published",
        breaks: addPort({ internal: 11334, external: 11334, protocol: "tcp" }),
        message: says(
            "mailserver publishes host port 11334; remove it: only 25, 465, 587 and 993",
        ),
    },
    {
        policy: "allow-only-mail-ports",
        title: "443 on the mail container",
        breaks: addPort({ internal: 443, external: 443, protocol: "tcp" }),
        message: says(
            "publishes host port 443; ",
            "443 only on a container labelled mailfort.role=mta-sts",
        ),
    },
    {
        policy: "allow-only-mail-ports",
        title: "a port published on a random host port",
        breaks: addPort({ internal: 143, protocol: "tcp" }),
        message: says("publishes container port 143 on a random host port"),
    },
    {
        policy: "allow-only-mail-ports",
        title: "a mail port forwarded to another container port",
        breaks: (stack) => {
            const ports = props("mx1-mailserver")(stack)["ports"] as { internal: number }[];
            ports[3]!.internal = 11334;
        },
        message: says(
            "forwards host port 993 to container port 11334; publish mail ports on the same port",
        ),
    },
    {
        policy: "allow-only-mail-ports",
        title: "host networking",
        breaks: (stack) => {
            props("mx1-certbot")(stack)["networkMode"] = "host";
        },
        message: says("certbot-mailserver uses the host network", "use a bridge network"),
    },
    {
        policy: "require-pinned-ssh-host-keys",
        title: "remote command without hostKey",
        breaks: (stack) => {
            delete connectionOf(stack)["hostKey"];
        },
        message: says(
            "mx1-reload-postfix to 203.0.113.10 pins no host key",
            "set connection.hostKey",
        ),
    },
    {
        policy: "require-pinned-ssh-host-keys",
        title: "remote command with an empty hostKey",
        breaks: (stack) => {
            connectionOf(stack)["hostKey"] = " ";
        },
        message: says("pins no host key and would trust any server"),
    },
    {
        policy: "require-pinned-ssh-host-keys",
        title: "proxy without hostKey",
        breaks: (stack) => {
            connectionOf(stack)["proxy"] = { host: "198.51.100.7", user: "jump", privateKey: "x" };
        },
        message: says(
            "through proxy 198.51.100.7 without a pinned host key; set connection.proxy.hostKey",
        ),
    },
    {
        policy: "require-pinned-ssh-host-keys",
        title: "Docker provider with StrictHostKeyChecking=no",
        breaks: sshOpts([
            "-o", "StrictHostKeyChecking=no",
            "-o", "KnownHostsCommand=/bin/echo %H k",
        ]),
        message: says(
            "Docker provider mx1-docker ",
            "sets StrictHostKeyChecking=no; add \"-o\", \"StrictHostKeyChecking=yes\"",
        ),
    },
    {
        policy: "require-pinned-ssh-host-keys",
        title: "Docker provider with no known host key",
        breaks: sshOpts(["-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=/dev/null"]),
        message: says("without a known host key; add \"-o\", \"KnownHostsCommand="),
    },
    {
        policy: "require-strict-spf",
        title: "SPF ending in ?all",
        breaks: txt("example-com-spf", "v=spf1 mx ?all"),
        message: says(
            "SPF record example.com ends in ?all, which tells receivers nothing",
            "end it with -all ",
            "mailfort:spf.all",
        ),
    },
    {
        policy: "require-strict-spf",
        title: "SPF ending in +all",
        breaks: txt("example-com-spf", "v=spf1 mx +all"),
        message: says("ends in +all, which lets any server send as this domain"),
    },
    {
        policy: "require-strict-spf",
        title: "SPF without all",
        breaks: txt("example-com-spf", "v=spf1 mx"),
        message: says("has no all mechanism"),
    },
    {
        policy: "require-strict-spf",
        title: "SPF with terms after all",
        breaks: txt("example-com-spf", "v=spf1 -all mx"),
        message: says("has terms after its all mechanism"),
    },
    {
        policy: "require-strict-spf",
        title: "SPF needing 11 look-ups",
        breaks: txt(
            "example-com-spf",
            "v=spf1 mx a ptr exists:%{i}.spf.example.com " +
                [1, 2, 3, 4, 5, 6].map((i) => `include:_spf${i}.example.net`).join(" ") +
                " redirect=_spf.example.org -all",
        ),
        message: says(
            "needs 11 DNS look-ups, more than the 10 RFC 7208 allows",
            "mailfort:spf.include",
        ),
    },
    {
        policy: "require-mail-authentication-records",
        title: "no DMARC record",
        breaks: remove("example-com-dmarc"),
        message: says("Mail domain example.com publishes no DMARC record", "_dmarc.example.com"),
    },
    {
        policy: "require-mail-authentication-records",
        title: "no DKIM record",
        breaks: remove("example-com-dkim"),
        message: says("publishes no DKIM key", "<selector>._domainkey.example.com"),
    },
    {
        policy: "require-mail-authentication-records",
        title: "no SPF record",
        breaks: remove("example-com-spf"),
        message: says("publishes no SPF record; publish exactly one TXT record"),
    },
    {
        policy: "require-mail-authentication-records",
        title: "two SPF records",
        breaks: (stack) => {
            const spf = structuredClone(resourceNamed(stack, "example-com-spf"));
            stack.push({ ...spf, name: "example-com-spf-2" });
        },
        message: says("Mail domain example.com publishes 2 SPF records"),
    },
    {
        policy: "require-dmarc-enforcement",
        title: "DMARC without p=",
        breaks: txt("example-com-dmarc", "v=DMARC1; rua=mailto:dmarc@example.com"),
        message: says(
            "DMARC record _dmarc.example.com has no p= tag; set p=quarantine or p=reject ",
            "mailfort:dmarc.policy",
        ),
    },
    {
        policy: "require-dmarc-enforcement",
        title: "DMARC with a made-up policy",
        breaks: txt("example-com-dmarc", "v=DMARC1; p=monitor"),
        message: says("sets p=monitor, not a DMARC policy"),
    },
    {
        policy: "require-dmarc-enforcement",
        title: "DMARC with a made-up subdomain policy",
        breaks: txt("example-com-dmarc", "v=DMARC1; p=reject; sp=block"),
        message: says(
            "sets sp=block, not a DMARC policy; set sp=quarantine or sp=reject ",
            "mailfort:dmarc.subdomainPolicy",
        ),
    },
    {
        policy: "advise-dmarc-enforcement",
        title: "DMARC p=none",
        breaks: txt("example-com-dmarc", "v=DMARC1; p=none; rua=mailto:dmarc@example.com"),
        message: says(
            "sets p=none, so forged mail is still delivered",
            "mailfort:dmarc.policy to \"quarantine\" or \"reject\"",
        ),
    },
    {
        policy: "advise-dmarc-enforcement",
        title: "DMARC sp=none",
        breaks: txt("example-com-dmarc", "v=DMARC1; p=reject; sp=none"),
        message: says("sets sp=none", "mailfort:dmarc.subdomainPolicy"),
    },
    {
        policy: "advise-dmarc-enforcement",
        title: "DMARC pct=50",
        breaks: txt("example-com-dmarc", "v=DMARC1; p=reject; pct=50"),
        message: says(
            "only 50% of failing mail; set mailfort config key mailfort:dmarc.percent to 100",
        ),
    },
    {
        policy: "require-dkim-2048-bits",
        title: "generated RSA key of 1024 bits",
        breaks: (stack) => {
            props("dkim-example-com")(stack)["rsaBits"] = 1024;
        },
        message: says(
            "Private key dkim-example-com is RSA with 1024 bits; generate 2048 bits ",
            "mailfort:dkim.keyBits",
        ),
    },
    {
        policy: "require-dkim-2048-bits",
        title: "DKIM record publishing a 1024-bit key",
        breaks: txt(
            "example-com-dkim",
            `v=DKIM1; k=rsa; p=${dkimPublicKeyData(rsaKeyPair(1024).publicKey)}`,
        ),
        message: says(
            "DKIM record mail._domainkey.example.com publishes a 1024-bit RSA key;" +
                " publish a key of at least 2048 bits",
        ),
    },
    {
        policy: "require-dkim-2048-bits",
        title: "DKIM record whose p= is not a key",
        breaks: txt("example-com-dkim", "v=DKIM1; k=rsa; p=bm90IGEga2V5"),
        message: says("publishes a p= value that is not an RSA public key"),
    },
    {
        policy: "keep-secrets-out-of-plain-inputs",
        title: "private key echoed in a command line",
        breaks: (stack) => {
            props("mx1-dkim-key")(stack)["create"] =
                "echo '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----' > /tmp/k";
        },
        message: says(
            "Remote command mx1-dkim-key has private key material in its create" +
                " command line; send secrets through stdin",
        ),
    },
    {
        policy: "keep-secrets-out-of-plain-inputs",
        title: "Cloudflare token in a command line",
        breaks: (stack) => {
            props("mx1-reload-postfix")(stack)["update"] =
                `CLOUDFLARE_API_TOKEN=${"Q7r".repeat(13)}x certbot renew`;
        },
        message: says(
            "has a Cloudflare API token and a password or token assignment" +
                " in its update command line",
        ),
    },
    {
        policy: "keep-secrets-out-of-plain-inputs",
        title: "password assignment in a delete command",
        breaks: (stack) => {
            props("mx1-reload-postfix")(stack)["delete"] =
                "mysql --password=hunter2hunter2 -e 'drop database mail'";
        },
        message: says("has a password or token assignment in its delete command line"),
    },
    {
        policy: "keep-secrets-out-of-plain-inputs",
        title: "password hash in a command line",
        breaks: (stack) => {
            props("mx1-reload-postfix")(stack)["create"] =
                "setup email add admin@example.com " +
                `'{SHA512-CRYPT}$6$abcdefgh$${"x".repeat(40)}'`;
        },
        message: says("has a password hash in its create command line"),
    },
    {
        policy: "keep-secrets-out-of-plain-inputs",
        title: "secret in a command's environment",
        breaks: (stack) => {
            const command = props("mx1-reload-postfix")(stack);
            command["environment"] = { RESTIC_PASSWORD: "correct-horse" };
        },
        message: says(
            "passes the secret RESTIC_PASSWORD in its environment",
            "send it through stdin",
        ),
    },
    {
        policy: "keep-secrets-out-of-plain-inputs",
        title: "private key shipped without secret: true",
        breaks: (stack) => {
            props("mx1-dkim-key")(stack)["logging"] = "stdoutAndStderr";
        },
        message: says(
            "sends private key material on stdin with logging \"stdoutAndStderr\"; ship" +
                " it as a HostFile with secret: true",
        ),
    },
    {
        policy: "keep-secrets-out-of-plain-inputs",
        title: "password login",
        breaks: (stack) => {
            connectionOf(stack)["password"] = "hunter2";
        },
        message: says("logs in with connection.password; use connection.privateKey"),
    },
    {
        policy: "keep-secrets-out-of-plain-inputs",
        title: "relay password in the container environment",
        breaks: env("RELAY_PASSWORD", "hunter2hunter2"),
        message: says(
            "sets the secret RELAY_PASSWORD in its environment",
            "set RELAY_PASSWORD__FILE=/path",
        ),
    },
    {
        policy: "keep-secrets-out-of-plain-inputs",
        title: "LDAP bind password (named without a secret word) in the environment",
        breaks: env("DOVECOT_DNPASS", "hunter2hunter2"),
        message: says("sets the secret DOVECOT_DNPASS in its environment"),
    },
    {
        policy: "keep-secrets-out-of-plain-inputs",
        title: "Cloudflare token on the certbot command",
        breaks: (stack) => {
            (props("mx1-certbot")(stack)["command"] as string[]).push(
                `--dns-cloudflare-api-token=${"Zq4".repeat(14)}`,
            );
        },
        message: says("certbot-mailserver has a password or token assignment in its command"),
    },
    {
        policy: "keep-secrets-out-of-plain-inputs",
        title: "token in a label",
        breaks: (stack) => {
            (props("mx1-certbot")(stack)["labels"] as unknown[]).push({
                label: "cf",
                value: `CF_API_TOKEN=${"Zq4".repeat(14)}`,
            });
        },
        message: says("has a Cloudflare API token", " in label cf; labels are public"),
    },
];
