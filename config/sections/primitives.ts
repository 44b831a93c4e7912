/**
 * Value types shared by every config section. Each carries a message that says what would be
 * valid, because the operator reads it next to the key and the bad value.
 */
import { isIPv4, isIPv6 } from "node:net";
import { z } from "zod";

const label = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";

/** A lower-case fully qualified DNS name with at least two labels, no trailing dot. */
export const dnsName = z
    .string()
    .regex(
        new RegExp(`^(?:${label}\\.)+${label}$`),
        "must be a lower-case DNS name such as mail.example.com",
    );

/** A DNS name that may contain service labels such as `_spf`, for SPF includes. */
export const serviceDnsName = z
    .string()
    .regex(
        /^(?:_?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/,
        "must be a lower-case DNS name such as _spf.example.net",
    );

export const emailAddress = z
    .string()
    .regex(
        new RegExp(`^[a-z0-9._+-]+@(?:${label}\\.)+${label}$`),
        "must be a lower-case e-mail address such as postmaster@example.com",
    );

export const ipv4Address = z
    .string()
    .refine((value) => isIPv4(value), "must be an IPv4 address such as 203.0.113.10");

export const ipv6Address = z
    .string()
    .refine((value) => isIPv6(value), "must be an IPv6 address such as 2001:db8::10");

/** An address or network in CIDR form, IPv4 or IPv6. */
export const cidr = z.string().refine(isCidr, "must be an address or CIDR such as 198.51.100.0/24");

export function isCidr(value: string): boolean {
    const [address, prefix, ...rest] = value.split("/");
    if (rest.length > 0 || address === undefined) return false;
    const max = isIPv4(address) ? 32 : isIPv6(address) ? 128 : -1;
    if (max < 0) return false;
    if (prefix === undefined) return true;
    return /^\d{1,3}$/.test(prefix) && Number(prefix) <= max;
}

/** A duration the way Fail2Ban and systemd write it: 30s, 10m, 1h, 7d, 1w. */
export const duration = z
    .string()
    .regex(/^\d+[smhdw]$/, "must be a duration such as 30s, 10m, 1h, 7d or 1w");

const secondsPer: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

export function durationSeconds(value: string): number {
    const unit = value.slice(-1);
    return Number(value.slice(0, -1)) * (secondsPer[unit] ?? Number.NaN);
}

/** An OpenSSH public host key line without the host name: `<type> <base64>`. */
export const sshPublicKey = z
    .string()
    .regex(
        /^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa) [A-Za-z0-9+/]+={0,2}$/,
        "must be the host's public key as `ssh-keyscan` prints it, e.g. `ssh-ed25519 AAAA…`",
    );
