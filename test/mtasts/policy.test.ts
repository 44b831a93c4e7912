import { describe, expect, it } from "vitest";

import { certificateNames } from "../../components/certbot";
import { dnsRecords, txtText } from "../../components/dns";
import { mtaStsPolicy, mtaStsText } from "../../components/mtasts";
import { exampleConfig, exampleValue } from "../support/stack";

const hosts = exampleValue<Record<string, unknown>[]>("hosts");
const withBackup = {
    hosts: [hosts[0], { ...hosts[0], hostname: "mx2.example.com", ipv4: "203.0.113.20" }],
};

describe("MTA-STS policy and records", () => {
    it("lists every MX, the mode and max_age, CRLF-separated as RFC 8461 writes it", () => {
        expect(mtaStsPolicy(exampleConfig(withBackup))).toBe(
            "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n" +
                "mx: mx2.example.com\r\nmax_age: 604800\r\n",
        );
        expect(mtaStsPolicy(exampleConfig({ mtaSts: { mode: "testing" } }))).toContain(
            "mode: testing\r\n",
        );
    });

    it("changes the _mta-sts id exactly when the policy changes", () => {
        const id = (changes: Record<string, unknown>) => mtaStsText(exampleConfig(changes));
        expect(id({})).toMatch(/^v=STSv1; id=[0-9a-f]{20}$/);
        expect(id({})).toBe(id({}));
        // Unrelated changes keep the id, so senders do not refetch for nothing.
        expect(id({ aliases: [] })).toBe(id({}));
        expect(id({ dmarc: { policy: "reject" } })).toBe(id({}));
        expect(id(withBackup)).not.toBe(id({}));
        expect(id({ mtaSts: { mode: "testing" } })).not.toBe(id({}));
        expect(id({ mtaSts: { maxAgeSeconds: 86400 } })).not.toBe(id({}));
    });

    it("publishes mta-sts.<domain> at the primary MX and the _mta-sts TXT", () => {
        const records = dnsRecords(exampleConfig(withBackup), {});
        const named = (name: string) => records.filter((r) => r.name === name);
        expect(named("mta-sts.example.com").map((r) => [r.type, r.content])).toEqual([
            ["A", "203.0.113.10"],
            ["AAAA", "2001:db8::10"],
        ]);
        expect(txtText(String(named("_mta-sts.example.com")[0]?.content))).toBe(
            mtaStsText(exampleConfig(withBackup)),
        );
        expect(
            dnsRecords(exampleConfig({ services: { mtaSts: false } }), {}).some((r) =>
                r.name.includes("mta-sts"),
            ),
        ).toBe(false);
    });

    it("puts the endpoint's name on the primary's certificate only", () => {
        const config = exampleConfig(withBackup);
        expect(certificateNames(config.hosts[0]!, config)).toEqual([
            "mail.example.com",
            "mta-sts.example.com",
        ]);
        expect(certificateNames(config.hosts[1]!, config)).toEqual(["mx2.example.com"]);
    });
});
