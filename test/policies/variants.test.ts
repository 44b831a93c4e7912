/** Valid variants of the stack that the policies must let through: no false alarms. */
import { describe, expect, it } from "vitest";

import { policies } from "../../policies/all";
import { runPolicies } from "../../policies/run";
import type { PlannedResource } from "../../policies/run";
import { happyStack, resourceNamed } from "./fixture";
import { containerType, setEnv, violations } from "./support";

type Change = (stack: PlannedResource[]) => void;

const mail = (stack: PlannedResource[]) => resourceNamed(stack, "mx1-mailserver");
const props = (stack: PlannedResource[], name: string) => resourceNamed(stack, name).props;
const content = (name: string, text: string): Change => (stack) => {
    props(stack, name)["content"] = text;
};
const byName = (name: string) => policies.find((policy) => policy.name === name)!;

const variants: [string, Change][] = [
    ["legacy filters instead of Rspamd", (s) => {
        setEnv(mail(s), "ENABLE_RSPAMD", "0");
        setEnv(mail(s), "ENABLE_AMAVIS", "1");
        setEnv(mail(s), "ENABLE_SPAMASSASSIN", "1");
    }],
    ["SSL_TYPE=manual", (s) => setEnv(mail(s), "SSL_TYPE", "manual")],
    ["a secret given as a file", (s) =>
        setEnv(mail(s), "RELAY_PASSWORD__FILE", "/tmp/docker-mailserver/relay-password")],
    ["SPF ~all with an include", content("example-com-spf", '"v=spf1 mx include:a.net ~all"')],
    ["SPF with exp= after all", content("example-com-spf", '"v=spf1 mx -all exp=why.a.net"')],
    ["DMARC tags in upper case", content("example-com-dmarc", '"v=DMARC1; P=Reject; SP=Reject"')],
    ["a revoked DKIM selector", content("example-com-dkim", '"v=DKIM1; k=rsa; p="')],
    ["an image by digest", (s) => {
        props(s, "mx1-dms-image")["name"] =
            `ghcr.io/docker-mailserver/docker-mailserver@sha256:${"1".repeat(64)}`;
    }],
    ["a 4096-bit DKIM key", (s) => {
        props(s, "dkim-example-com")["rsaBits"] = 4096;
    }],
    ["an ECDSA key with no rsaBits", (s) => {
        resourceNamed(s, "dkim-example-com").props = { algorithm: "ECDSA", ecdsaCurve: "P256" };
    }],
    ["a pinned jump host", (s) => {
        const connection = props(s, "mx1-reload-postfix")["connection"] as Record<string, unknown>;
        connection["proxy"] = { host: "198.51.100.7", hostKey: "ssh-ed25519 AAAA", user: "j" };
    }],
    ["a password read from a file or a shell variable", (s) => {
        props(s, "mx1-reload-postfix")["create"] =
            'RESTIC_PASSWORD="$(cat /etc/mailfort/restic)" restic --password-file /x snapshots';
    }],
];

describe("valid variants pass", () => {
    it.each(variants)("%s", async (_, change) => {
        const stack = happyStack();
        change(stack);
        expect(await runPolicies(stack)).toEqual([]);
    });
});

describe("scope", () => {
    it("applies DMS policies to the mail container only", async () => {
        const certbot = { name: "certbot-mailserver", envs: ["TLS_LEVEL=intermediate"] };
        expect(await violations(byName("require-modern-tls-level"), containerType, certbot))
            .toEqual([]);
    });

    it("finds the mail container by name when its role label is missing", async () => {
        const unlabelled = { name: "mailserver", envs: ["TLS_LEVEL=intermediate"] };
        expect(await violations(byName("require-modern-tls-level"), containerType, unlabelled))
            .toHaveLength(1);
    });

    it("allows 443 on the MTA-STS container only", async () => {
        const ports = [{ internal: 443, external: 443 }];
        const labels = (value: string) => [{ label: "mailfort.role", value }];
        const policy = byName("allow-only-mail-ports");
        expect(await violations(policy, containerType, { ports, labels: labels("mta-sts") }))
            .toEqual([]);
        expect(await violations(policy, containerType, { ports, labels: labels("certbot") }))
            .toHaveLength(1);
    });

    it("ignores Docker providers that do not use ssh://", async () => {
        const local = { host: "unix:///var/run/docker.sock" };
        const policy = byName("require-pinned-ssh-host-keys");
        expect(await violations(policy, "pulumi:providers:docker", local)).toEqual([]);
    });

    it("ignores TXT records that are not SPF, DKIM or DMARC", async () => {
        const record = { type: "TXT", name: "example.com", content: '"site-verification=abc"' };
        for (const policy of policies) {
            expect(await violations(policy, "cloudflare:index/dnsRecord:DnsRecord", record))
                .toEqual([]);
        }
    });
});
