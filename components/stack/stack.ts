/** The whole stack: stack-wide secrets and DNS, then one `MailHost` per configured host. */
import * as pulumi from "@pulumi/pulumi";

import type { StackConfig } from "../../config";
import { certbotApiToken } from "../certbot";
import { dnsRecords, DnsRecords, RecordSpec } from "../dns";
import { accountCredentials, dkimKeys } from "./credentials";
import { MailHost } from "./mail-host";

export class Mailfort extends pulumi.ComponentResource {
    /** Passwords the stack generated, by account address (secret). */
    readonly generatedPasswords: pulumi.Output<Record<string, string>>;
    /** Every DNS record the stack publishes. */
    readonly records: RecordSpec[];

    /**
     * @param name The unique name of the stack's root component.
     * @param args The validated stack config.
     * @param opts Options for the component.
     */
    constructor(
        name: string,
        args: { config: StackConfig },
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super("mailfort:index:Mailfort", name, {}, opts);
        const { config } = args;

        const dkim = dkimKeys(`${name}-dkim`, config, this);
        const credentials = accountCredentials(`${name}-account`, config, this);
        const token = certbotApiToken(`${name}-certbot-token`, config, this);

        this.records = dnsRecords(config, dkim.publicKeys);
        new DnsRecords(`${name}-dns`, { config, records: this.records }, { parent: this });

        for (const host of config.hosts) {
            new MailHost(
                host.hostname.split(".")[0] ?? host.hostname,
                {
                    host,
                    config,
                    certbotToken: token.value,
                    dkimPrivateKeys: dkim.privateKeys,
                    credentials: credentials.accounts,
                },
                { parent: this },
            );
        }

        this.generatedPasswords = pulumi.secret(pulumi.output(credentials.generated));
        this.registerOutputs({ generatedPasswords: this.generatedPasswords });
    }
}

/** What the operator must set by hand at the VPS provider: reverse DNS for each address. */
export function reverseDnsInstructions(config: StackConfig): string[] {
    return config.hosts.flatMap((h) =>
        [h.ipv4, ...(h.ipv6 ? [h.ipv6] : [])].map(
            (address) =>
                `Set the PTR (reverse DNS) of ${address} to ${h.hostname} at your VPS provider.`,
        ),
    );
}
