import type { ResourceValidationPolicy } from "@pulumi/policy";

import { validateMailContainer } from "./lib/mail-container";

/**
 * Mail must pass a spam filter: Rspamd, or the legacy Amavis + SpamAssassin pair. DMS defaults
 * apply where a variable is unset (ENABLE_AMAVIS defaults to 1, the others to 0).
 */
export const requireSpamFilter: ResourceValidationPolicy = {
    name: "require-spam-filter",
    description: "The mail container runs Rspamd, or Amavis with SpamAssassin.",
    enforcementLevel: "mandatory",
    validateResource: validateMailContainer((env, container, report) => {
        if (env.enabled("ENABLE_RSPAMD")) return;
        if (env.enabled("ENABLE_AMAVIS") && env.enabled("ENABLE_SPAMASSASSIN")) return;
        report(
            `Container ${container} runs no spam filter; set ENABLE_RSPAMD=1 (mailfort's ` +
                `choice), or ENABLE_AMAVIS=1 together with ENABLE_SPAMASSASSIN=1.`,
        );
    }),
};
