import type { ResourceValidationPolicy } from "@pulumi/policy";

import { validateMailContainer } from "./lib/mail-container";

/**
 * PERMIT_DOCKER adds Docker addresses to Postfix's mynetworks, which relay without logging in.
 * Docker's userland proxy makes outside clients appear from the bridge gateway, so any value but
 * none can turn the server into an open relay.
 */
export const forbidTrustedDockerNetworks: ResourceValidationPolicy = {
    name: "forbid-trusted-docker-networks",
    description: "The mail container trusts no Docker network for relaying (PERMIT_DOCKER=none).",
    enforcementLevel: "mandatory",
    validateResource: validateMailContainer((env, container, report) => {
        const permit = env.effective("PERMIT_DOCKER");
        if (permit === "none") return;
        report(
            `Container ${container} sets PERMIT_DOCKER=${permit}, which lets Docker ` +
                `addresses relay mail without logging in and can make an open relay; set ` +
                `PERMIT_DOCKER=none.`,
        );
    }),
};
