import { describe, expect, it } from "vitest";

import {
    dmarcText,
    dnsRecords,
    spfText,
    tlsRptText,
    txtContent,
    txtText,
    zoneFile,
} from "../../components/dns";
import { exampleConfig, exampleValue } from "../support/stack";

describe("TXT content", () => {
    it("splits long data into quoted 255-byte strings and joins back losslessly", () => {
        const data = "p=" + "A".repeat(600);
        const content = txtContent(data);
        const strings = [...content.matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? "");
        expect(strings.map((s) => s.length)).toEqual([255, 255, 92]);
        expect(txtText(content)).toBe(data);
    });

    it("quotes short data as one string", () => {
        expect(txtContent("v=spf1 -all")).toBe('"v=spf1 -all"');
    });

    it("refuses data that would need escaping", () => {
        expect(() => txtContent('say "hi"')).toThrow(/without quotes/);
    });
});

describe("records of the example stack", () => {
    const config = exampleConfig();
    const records = dnsRecords(config, {
        "example.com": "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----",
    });
    const find = (name: string, type: string) =>
        records.filter((r) => r.name === name && r.type === type);

    it("gives every host A/AAAA and every domain an MX per host, by priority", () => {
        expect(find("mail.example.com", "A")[0]?.content).toBe("203.0.113.10");
        expect(find("mail.example.com", "AAAA")[0]?.content).toBe("2001:db8::10");
        const hosts = exampleValue<Record<string, unknown>[]>("hosts");
        const two = exampleConfig({
            hosts: [hosts[0], { ...hosts[0], hostname: "mx2.example.com", ipv4: "203.0.113.20" }],
        });
        const mx = dnsRecords(two, {}).filter((r) => r.type === "MX");
        expect(mx.map((r) => [r.content, r.priority])).toEqual([
            ["mail.example.com", 10],
            ["mx2.example.com", 20],
        ]);
    });

    it("uses full names and explicit TTLs everywhere", () => {
        for (const r of records) {
            expect(r.name.endsWith("example.com"), r.name).toBe(true);
            expect(r.ttl).toBe(3600);
        }
    });

    it("publishes a strict SPF with no DNS look-ups of its own", () => {
        expect(spfText(config)).toBe("v=spf1 ip4:203.0.113.10 ip6:2001:db8::10 -all");
        expect(
            spfText(exampleConfig({ spf: { all: "~all", include: ["_spf.example.net"] } })),
        ).toBe("v=spf1 ip4:203.0.113.10 ip6:2001:db8::10 include:_spf.example.net ~all");
    });

    it("publishes DMARC quarantine with strict alignment and a report address", () => {
        expect(dmarcText(config)).toBe(
            "v=DMARC1; p=quarantine; sp=quarantine; pct=100; adkim=s; aspf=s; " +
                "rua=mailto:reports@example.com; fo=1",
        );
    });

    it("publishes TLS-RPT and CAA limited to Let's Encrypt over DNS-01 with no wildcards", () => {
        expect(tlsRptText(config)).toBe("v=TLSRPTv1; rua=mailto:reports@example.com");
        const caa = find("example.com", "CAA").map((r) => r.data);
        expect(caa).toContainEqual({
            flags: 0,
            tag: "issue",
            value: "letsencrypt.org; validationmethods=dns-01",
        });
        expect(caa).toContainEqual({ flags: 0, tag: "issuewild", value: ";" });
    });

    it("writes a zone file a resolver operator can read", () => {
        const resolved = records.filter((r) => r.purpose !== "dkim") as Parameters<
            typeof zoneFile
        >[0];
        const zone = zoneFile(resolved);
        expect(zone).toContain("example.com.\t3600\tIN\tMX\t10 mail.example.com.\t; mx-1");
        expect(zone).toContain('example.com.\t3600\tIN\tCAA\t0 issuewild ";"\t; caa-issuewild');
    });
});
