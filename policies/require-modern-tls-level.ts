import type { ResourceValidationPolicy } from "@pulumi/policy";

import { validateMailContainer } from "./lib/mail-container";

/**
 * TLS_LEVEL=modern keeps Postfix and Dovecot to TLS 1.2+ with forward-secret AEAD ciphers.
 * It must be set explicitly: a DMS default can change between releases, the stack config cannot.
 */
export const requireModernTlsLevel: ResourceValidationPolicy = {
    name: "require-modern-tls-level",
    description: "The mail container sets TLS_LEVEL=modern.",
    enforcementLevel: "mandatory",
    validateResource: validateMailContainer((env, container, report) => {
        const level = env.explicit("TLS_LEVEL");
        if (level === "modern") return;
        const found = level === undefined ? "does not set TLS_LEVEL" : `sets TLS_LEVEL=${level}`;
        report(
            `Container ${container} ${found}; set TLS_LEVEL=modern ` +
                `(mailfort config key mailfort:mail.tlsLevel: "modern").`,
        );
    }),
};
