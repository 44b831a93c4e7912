/**
 * HELO forged as one of our own hosts: postfix-main.cf's `smtpd_helo_restrictions` refuses it
 * through a check_helo_access map, after our own users and hosts are let through, and the map
 * ships with the other DMS config files (so the offline preview shows it).
 */
import { describe, expect, it } from "vitest";

import {
    containerSettings,
    creationFiles,
    dmsConfigInContainer,
    heloAccessFile,
    heloAccessMap,
    postfixMainCf,
    stackClientsCidr,
    stackClientsFile,
} from "../../components/mailserver";
import { plannedHostFiles } from "../../preview/report";
import { planStack } from "../support/program";
import { exampleConfig, exampleValue } from "../support/stack";

const hosts = exampleValue<Record<string, unknown>[]>("hosts");
const twoHosts = () =>
    exampleConfig({
        hosts: [
            hosts[0],
            {
                ...hosts[0],
                hostname: "mx2.example.com",
                ipv4: "203.0.113.20",
                ipv6: "2001:DB8:0::20",
            },
        ],
    });

function heloRestrictions(main: string): string[] {
    const line = /^smtpd_helo_restrictions = (.*)$/m.exec(main)?.[1];
    if (!line) throw new Error("postfix-main.cf sets no smtpd_helo_restrictions");
    return line.split(/,\s*/);
}

describe("forged HELO names", () => {
    it("refuses our names only after our users, mynetworks and our own hosts pass", () => {
        const config = exampleConfig();
        const list = heloRestrictions(postfixMainCf(config.hosts[0]!, config));
        expect(list).toEqual([
            "permit_mynetworks",
            "permit_sasl_authenticated",
            `check_client_access cidr:/tmp/docker-mailserver/${stackClientsFile}`,
            `check_helo_access texthash:/tmp/docker-mailserver/${heloAccessFile}`,
            "reject_invalid_helo_hostname",
            "reject_non_fqdn_helo_hostname",
        ]);
    });

    it("lists every host name of the stack and its address literals with a REJECT", () => {
        const map = heloAccessMap(twoHosts());
        const entries = map.split("\n").filter((line) => line && !line.startsWith("#"));
        expect(entries.map((line) => line.split(" ")[0])).toEqual([
            "mail.example.com",
            "[203.0.113.10]",
            "[ipv6:2001:db8::10]",
            "mx2.example.com",
            "[203.0.113.20]",
            "[ipv6:2001:db8::20]",
        ]);
        // `554 5.7.1 <name>: Helo command rejected: <text>` is what the postfix-helo jail reads.
        for (const entry of entries) {
            expect(entry).toMatch(/^\S+ REJECT forged HELO: that is our own name$/);
        }
    });

    it("lets the stack's own hosts (a backup MX relaying to the primary) use their names", () => {
        const cidr = stackClientsCidr(twoHosts());
        const entries = cidr.split("\n").filter((line) => line && !line.startsWith("#"));
        expect(entries).toEqual([
            "203.0.113.10 OK",
            "2001:db8::10 OK",
            "203.0.113.20 OK",
            "2001:DB8:0::20 OK",
        ]);
    });

    it("ships both maps into the DMS config folder the container mounts", () => {
        const config = exampleConfig();
        const host = config.hosts[0]!;
        const files = creationFiles(host, config, { "example.com": "PEM" });
        const mount = containerSettings(host, config).volumes.find(
            (v) => "hostPath" in v && v.containerPath === dmsConfigInContainer,
        );
        expect(mount).toBeDefined();
        const folder = (mount as { hostPath: string }).hostPath;
        expect(files.find((f) => f.path === `${folder}/${heloAccessFile}`)?.content).toBe(
            heloAccessMap(config),
        );
        expect(files.find((f) => f.path === `${folder}/${stackClientsFile}`)?.content).toBe(
            stackClientsCidr(config),
        );
    });

    it("shows the HELO map in the offline preview's host files", async () => {
        const config = exampleConfig();
        const host = config.hosts[0]!;
        const planned = plannedHostFiles(await planStack(config), { [host.ipv4]: host.hostname });
        const map = planned.find((f) => f.path.endsWith(`/${heloAccessFile}`));
        expect(map?.host).toBe("mail.example.com");
        expect(map?.path).toBe(`/opt/mailfort/dms/config/${heloAccessFile}`);
        expect(map?.secret).toBe(false);
        expect(map?.content).toContain("mail.example.com REJECT forged HELO");
        expect(planned.some((f) => f.path.endsWith(`/${stackClientsFile}`))).toBe(true);
    }, 60_000);
});
