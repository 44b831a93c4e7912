/**
 * Every policy of the mailfort pack, in one list. `index.ts` registers it with CrossGuard; the
 * offline preview and the tests run it through `run.ts` without the policy server.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

import { adviseDmarcEnforcement } from "./advise-dmarc-enforcement";
import { allowOnlyDocumentedDmsVariables } from "./allow-only-documented-dms-variables";
import { allowOnlyMailPorts } from "./allow-only-mail-ports";
import { firewallHttpsNeedsMtaSts } from "./firewall-https-needs-mta-sts";
import { firewallPortsNamed } from "./firewall-ports-named";
import { firewallSshAllowed } from "./firewall-ssh-allowed";
import { forbidTrustedDockerNetworks } from "./forbid-trusted-docker-networks";
import { keepSecretsOutOfPlainInputs } from "./keep-secrets-out-of-plain-inputs";
import { requireCertificateSslType } from "./require-certificate-ssl-type";
import { requireClamav } from "./require-clamav";
import { requireDkim2048Bits } from "./require-dkim-2048-bits";
import { requireDmarcEnforcement } from "./require-dmarc-enforcement";
import { requireMailAuthenticationRecords } from "./require-mail-authentication-records";
import { requireModernTlsLevel } from "./require-modern-tls-level";
import { requirePinnedImages } from "./require-pinned-images";
import { requirePinnedSshHostKeys } from "./require-pinned-ssh-host-keys";
import { requireSpamFilter } from "./require-spam-filter";
import { requireStrictSpf } from "./require-strict-spf";

export type Policy = ResourceValidationPolicy | StackValidationPolicy;

export const policies: Policy[] = [
    requireModernTlsLevel,
    requireCertificateSslType,
    requireSpamFilter,
    requireClamav,
    allowOnlyDocumentedDmsVariables,
    forbidTrustedDockerNetworks,
    requirePinnedImages,
    allowOnlyMailPorts,
    requirePinnedSshHostKeys,
    requireStrictSpf,
    requireMailAuthenticationRecords,
    requireDmarcEnforcement,
    adviseDmarcEnforcement,
    requireDkim2048Bits,
    keepSecretsOutOfPlainInputs,
    firewallSshAllowed,
    firewallPortsNamed,
    firewallHttpsNeedsMtaSts,
];
