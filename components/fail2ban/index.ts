export { applyCommand, Fail2Ban } from "./fail2ban";
export type { Fail2BanArgs } from "./fail2ban";
export { defaultPaths, jailsFor, mailPorts, webPorts } from "./jails";
export type { Fail2banPaths, Jail } from "./jails";
export { mailLogTimezone } from "./timezone";
export {
    dropInPath,
    expectedLogs,
    fail2banFiles,
    ignoreIps,
    renderDropIn,
    renderJailLocal,
    renderServerSettings,
    staticFiles,
} from "./render";
