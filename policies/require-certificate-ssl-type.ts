import type { ResourceValidationPolicy } from "@pulumi/policy";

import { validateMailContainer } from "./lib/mail-container";

const accepted = ["letsencrypt", "manual"];

/**
 * An empty SSL_TYPE makes DMS run without TLS and accept cleartext passwords; self-signed and
 * custom leave clients nothing to verify. Only a real certificate is accepted.
 */
export const requireCertificateSslType: ResourceValidationPolicy = {
    name: "require-certificate-ssl-type",
    description: "The mail container sets SSL_TYPE to letsencrypt or manual.",
    enforcementLevel: "mandatory",
    validateResource: validateMailContainer((env, container, report) => {
        const sslType = env.explicit("SSL_TYPE");
        if (sslType !== undefined && accepted.includes(sslType)) return;
        const found = !sslType
            ? "leaves SSL_TYPE empty, so DMS runs without TLS and accepts cleartext passwords"
            : `sets SSL_TYPE=${sslType}, which gives clients no certificate they can verify`;
        report(
            `Container ${container} ${found}; set SSL_TYPE=letsencrypt (the certbot sidecar ` +
                `provides the certificate) or SSL_TYPE=manual with SSL_CERT_PATH and ` +
                `SSL_KEY_PATH.`,
        );
    }),
};
