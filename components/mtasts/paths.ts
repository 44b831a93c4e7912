import { hostPaths } from "../host/paths";

/** Where the MTA-STS endpoint keeps its files on the host. */
export const mtaStsPaths = {
    config: `${hostPaths.root}/mta-sts/nginx`,
    webRoot: `${hostPaths.root}/mta-sts/www`,
    /** nginx's logs, read by the host's Fail2Ban nginx jails. */
    logs: "/var/log/mailfort-nginx",
} as const;
