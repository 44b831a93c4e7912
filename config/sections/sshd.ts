/**
 * sshd hardening settings (dev-sec ssh baseline). The deploy user from `hosts[].ssh.user` is
 * always allowed; password login stays off unless the operator says otherwise, and it may only be
 * turned off when the login user has a public key to log in with.
 */
import { z } from "zod";

const unixUser = z
    .string()
    .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a Unix user name such as deploy");

const keyTypes = [
    "ssh-ed25519",
    "sk-ssh-ed25519@openssh\\.com",
    "ecdsa-sha2-nistp(?:256|384|521)",
    "sk-ecdsa-sha2-nistp256@openssh\\.com",
    "ssh-rsa",
];

// An optional printable comment; no options and no line breaks, which could smuggle in more keys.
const comment = "(?: [\\x21-\\x7e][\\x20-\\x7e]*)?";

/** One authorized_keys line: `<type> <base64> [comment]`. */
export const authorizedKey = z
    .string()
    .regex(
        new RegExp(`^(?:${keyTypes.join("|")}) [A-Za-z0-9+/]+={0,2}${comment}$`),
        "must be one public key line as in ~/.ssh/id_ed25519.pub: `ssh-ed25519 AAAA… me@pc`",
    );

export const sshdSchema = z
    .strictObject({
        /** Users allowed to log in besides the deploy user (`AllowUsers`). */
        allowUsers: z.array(unixUser).default([]),
        /**
         * Ports sshd listens on besides `hosts[].ssh.port`, for moving SSH in two deployments:
         * first listen on both, then switch `hosts[].ssh.port` and drop the old one.
         */
        extraPorts: z
            .array(z.number().int().min(1).max(65535, "must be a TCP port from 1 to 65535"))
            .max(2, "must list at most two ports; it exists only to move SSH")
            .default([]),
        /** Public keys written to the deploy user's authorized_keys, replacing what is there. */
        authorizedKeys: z.array(authorizedKey).default([]),
        /** Password login; off is the hardened value and needs `authorizedKeys`. */
        passwordAuthentication: z.boolean().default(false),
        maxAuthTries: z.number().int().min(1).max(6, "must be 6 or fewer (dev-sec: 3)").default(3),
        loginGraceTimeSeconds: z
            .number()
            .int()
            .min(10)
            .max(120, "must be 120 or fewer (dev-sec: 30)")
            .default(30),
        clientAliveIntervalSeconds: z.number().int().min(10).max(3600).default(300),
        clientAliveCountMax: z.number().int().min(1).max(10).default(3),
        maxSessions: z.number().int().min(1).max(20).default(10),
        /** Seconds the previous sshd config stays scheduled to come back unless confirmed. */
        guardSeconds: z
            .number()
            .int()
            .min(30, "must be at least 30 so a slow link can confirm")
            .max(1800)
            .default(120),
    })
    .refine((sshd) => sshd.passwordAuthentication || sshd.authorizedKeys.length > 0, {
        path: ["authorizedKeys"],
        message:
            "must list at least one public key of the login user (hosts[].ssh.user) while " +
            "mailfort:sshd.passwordAuthentication is false, or nobody could log in by password " +
            "or key: add the content of your ~/.ssh/id_ed25519.pub",
    });

export type SshdSettings = z.output<typeof sshdSchema>;
