import type { ResourceValidationPolicy } from "@pulumi/policy";

import { validateMailContainer } from "./lib/mail-container";

/** Virus scanning is part of the baseline; DMS leaves ClamAV off unless told otherwise. */
export const requireClamav: ResourceValidationPolicy = {
    name: "require-clamav",
    description: "The mail container runs ClamAV (ENABLE_CLAMAV=1).",
    enforcementLevel: "mandatory",
    validateResource: validateMailContainer((env, container, report) => {
        if (env.enabled("ENABLE_CLAMAV")) return;
        const value = env.explicit("ENABLE_CLAMAV");
        const found = value === undefined
            ? "does not set ENABLE_CLAMAV"
            : `sets ENABLE_CLAMAV=${value}`;
        report(
            `Container ${container} ${found}, so mail is not scanned for viruses; set ` +
                `ENABLE_CLAMAV=1 (mailfort config key mailfort:mail.clamav: true; ClamAV needs ` +
                `about 1 GB of memory).`,
        );
    }),
};
