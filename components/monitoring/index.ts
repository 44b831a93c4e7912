export { Monitoring, relayPasswordKey } from "./monitoring";
export type { MonitoringArgs } from "./monitoring";
export {
    containers,
    cronPath,
    logrotatePath,
    monitoringConfPath,
    monitoringFiles,
    monitorScript,
    relayCredentialsFile,
    relayNetrcPath,
    renderCron,
    renderLogrotate,
    renderMonitoringConf,
    renderNetrc,
    shellQuote,
    statusScript,
} from "./render";
