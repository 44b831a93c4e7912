export { Monitoring, relayPasswordKey, webhookUrlKey } from "./monitoring";
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
    renderWebhookConfig,
    requiredJails,
    shellQuote,
    statusScript,
    webhookConfigPath,
    webhookCredentialsFile,
} from "./render";
