export { Firewall } from "./firewall";
export type { FirewallArgs } from "./firewall";
export {
    allowedPorts,
    firewallBootUnit,
    firewallEnv,
    firewallFiles,
    firewallRuleset,
    firewallScript,
    ipv6Mask,
    mailPorts,
    nftRate,
    renderFirewallEnv,
    renderRuleset,
    renderTemplate,
    sshPorts,
    trustedNetworks,
} from "./render";
export type { AllowedPort } from "./render";
