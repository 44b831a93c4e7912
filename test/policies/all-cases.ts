/** Every failing case of the pack: the core ones and each area's `*.cases.ts`. */
import { FailingCase, failingCases as coreCases } from "./cases";
import { failingCases as firewallCases } from "./firewall.cases";

export const allFailingCases: FailingCase[] = [...coreCases, ...firewallCases];
