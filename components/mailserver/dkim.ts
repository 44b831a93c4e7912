/**
 * DKIM signing by Rspamd inside DMS. The key pair is made by the stack (so the public half can be
 * published in the same deployment); the private half reaches only the host, through a secret
 * file, at the path DMS's Rspamd setup reads.
 */
import type { StackConfig } from "../../config";
import { hostPaths } from "../host/paths";

/** Where the private key of `domain` lives inside the container. */
export function dkimKeyPath(
    config: StackConfig,
    domain: string,
    root = "/tmp/docker-mailserver",
): string {
    const { selector, keyBits } = config.dkim;
    return `${root}/rspamd/dkim/rsa-${keyBits}-${selector}-${domain}.private.txt`;
}

/** The same file on the host, inside the DMS config folder mounted at /tmp/docker-mailserver. */
export function dkimHostKeyPath(config: StackConfig, domain: string): string {
    return dkimKeyPath(config, domain, hostPaths.dmsConfig);
}

/** rspamd/override.d/dkim_signing.conf: sign for every configured domain with its own key. */
export function dkimSigningConf(config: StackConfig): string {
    const domains = config.domains.map((d) =>
        [
            `    ${d.name} {`,
            `        path = "${dkimKeyPath(config, d.name)}";`,
            `        selector = "${config.dkim.selector}";`,
            "    }",
        ].join("\n"),
    );
    return [
        "# Rendered by mailfort: Rspamd DKIM signing",
        "# (https://rspamd.com/doc/modules/dkim_signing.html)",
        "enabled = true;",
        "sign_authenticated = true;",
        "sign_local = true;",
        'use_domain = "header";',
        "use_redis = false;",
        "use_esld = true;",
        "allow_username_mismatch = true;",
        // Refuse to sign with a key whose public half is not what DNS publishes.
        "check_pubkey = true;",
        "domain {",
        ...domains,
        "}",
        "",
    ].join("\n");
}
