/**
 * Where mailfort puts things on a host. One table so every component, the monitoring checks and
 * the README agree on the same paths.
 */
export const hostPaths = {
    /** Root of everything mailfort owns that is not a system config file. */
    root: "/opt/mailfort",
    /** docker-mailserver's config folder, mounted at /tmp/docker-mailserver. */
    dmsConfig: "/opt/mailfort/dms/config",
    /** The mail container's /var/log/mail, bind-mounted so host Fail2Ban and monitoring read it. */
    mailLogs: "/var/log/mailserver",
    /** Postfix and Dovecot log (DMS logs both to the mail facility). */
    mailLog: "/var/log/mailserver/mail.log",
    /** certbot's /etc/letsencrypt; the mail container mounts it read-only. */
    letsencrypt: "/opt/mailfort/letsencrypt",
    /** Secrets certbot reads (Cloudflare API token), mode 0600. */
    certbotSecrets: "/opt/mailfort/certbot",
    /** Rendered parameters of host-side scripts, one file per area. */
    etc: "/etc/mailfort",
    /** State kept by host-side scripts between runs (saved rulesets, log offsets). */
    state: "/var/lib/mailfort",
    /** Host-side programs mailfort installs. */
    bin: "/usr/local/sbin",
    /** The security log the monitoring and the firewall guard write to. */
    securityLog: "/var/log/mailserver-security.log",
} as const;

/** The named Docker volumes of the mail container. */
export const mailVolumes = {
    data: "mailserver-data",
    state: "mailserver-state",
} as const;
