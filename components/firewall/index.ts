export { Firewall } from "./firewall";
export type { FirewallArgs } from "./firewall";
export {
    allowedPorts,
    firewallBootUnit,
    firewallEnv,
    firewallFiles,
    firewallRuleset,
    firewallScript,
    mailPorts,
    renderFirewallEnv,
    renderRuleset,
    renderTemplate,
    trustedNetworks,
} from "./render";
export type { AllowedPort } from "./render";
