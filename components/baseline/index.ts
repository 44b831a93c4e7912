export { Baseline } from "./baseline";
export type { BaselineArgs } from "./baseline";
export {
    baselineFiles,
    daemonJsonPath,
    renderAutoUpgrades,
    renderBaselineConf,
    renderDaemonJson,
    renderUnattendedUpgrades,
    ulaFor,
    unattendedUpgradesPath,
} from "./render";
