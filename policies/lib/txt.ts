/**
 * TXT record content as Cloudflare holds it: one or more double-quoted strings of at most 255
 * bytes each (RFC 1035 character-strings), which resolvers hand to SPF, DKIM and DMARC joined.
 */
import { isObject, Props, resourceTypes, stringOf } from "./resources";

/** Joins the quoted strings of a TXT record's content; unquoted content is taken as is. */
export function txtText(content: string): string {
    const strings = [...content.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => unescape(m[1] ?? ""));
    return strings.length > 0 ? strings.join("") : content.trim();
}

function unescape(text: string): string {
    return text
        .replace(/\\(\d{3})/g, (_, code: string) => String.fromCharCode(Number(code)))
        .replace(/\\(.)/g, "$1");
}

/** A TXT record's name and joined text, or `undefined` for any other resource or record type. */
export function txtRecord(type: string, props: Props): { name: string; text: string } | undefined {
    if (type !== resourceTypes.dnsRecord || props["type"] !== "TXT") return undefined;
    const name = stringOf(props["name"]);
    const content = stringOf(props["content"]) ?? contentFromData(props);
    if (name === undefined || content === undefined) return undefined;
    return { name: name.toLowerCase().replace(/\.$/, ""), text: txtText(content) };
}

function contentFromData(props: Props): string | undefined {
    const data = props["data"];
    return isObject(data) ? stringOf(data["content"]) : undefined;
}

/** Tag-value list of DKIM (RFC 6376 3.2) and DMARC (RFC 7489 6.3): `k=v; k=v`. */
export function tagList(text: string): Map<string, string> {
    const tags = new Map<string, string>();
    for (const part of text.split(";")) {
        const at = part.indexOf("=");
        if (at < 0) continue;
        const key = part.slice(0, at).trim().toLowerCase();
        if (key && !tags.has(key)) tags.set(key, part.slice(at + 1).trim());
    }
    return tags;
}
