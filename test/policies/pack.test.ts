/**
 * The pack as `pulumi preview --policy-pack policies` runs it: Pulumi's own runner started in the
 * pack folder (ts-node with the pack's tsconfig, the pack's package.json for its version), and
 * the engine's side played over gRPC on loopback. This is the one place the real PolicyPack is
 * constructed, in a child process, since doing so starts a server and may exit the process.
 */
import * as grpc from "@grpc/grpc-js";
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import {
    AnalyzeDiagnostic,
    AnalyzeRequest,
    AnalyzeStackRequest,
    AnalyzerInfo,
    AnalyzerResource,
    AnalyzerResourceOptions,
    EnforcementLevel,
} from "@pulumi/pulumi/proto/analyzer_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { policies } from "../../policies/all";
import { happyStack, resourceNamed } from "./fixture";
import { setEnv } from "./support";
import type { PlannedResource } from "../../policies/run";

const packDir = path.join(__dirname, "..", "..", "policies");
const startupMs = 90_000;

let pack: ChildProcess | undefined;
let client: AnalyzerClient;
let stderr = "";

/** Starts the runner the way Pulumi's Node.js language host does, and waits for its port. */
function startPack(): Promise<number> {
    const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [packDir] });
    pack = spawn(process.execPath, [runner, "127.0.0.1:0", packDir], { cwd: packDir });
    return new Promise((resolve, reject) => {
        const fail = () => reject(new Error(`no port after ${startupMs} ms: ${stderr}`));
        const timer = setTimeout(fail, startupMs);
        pack!.stderr!.on("data", (chunk) => (stderr += String(chunk)));
        pack!.stdout!.once("data", (chunk) => {
            clearTimeout(timer);
            resolve(Number(String(chunk).trim()));
        });
        pack!.once("exit", (code) => {
            clearTimeout(timer);
            reject(new Error(`policy pack exited with ${code}: ${stderr}`));
        });
    });
}

function analyze(resource: PlannedResource): Promise<AnalyzeDiagnostic[]> {
    const request = new AnalyzeRequest()
        .setType(resource.type)
        .setName(resource.name)
        .setUrn(`urn:pulumi:test::mailfort::${resource.type}::${resource.name}`)
        .setProperties(Struct.fromJavaScript(resource.props as never))
        // The engine always sends options; the policy server refuses requests without them.
        .setOptions(new AnalyzerResourceOptions());
    return new Promise((resolve, reject) => {
        client.analyze(request, (error, response) =>
            error ? reject(error) : resolve(response.getDiagnosticsList()));
    });
}

function analyzeStack(resources: PlannedResource[]): Promise<AnalyzeDiagnostic[]> {
    const request = new AnalyzeStackRequest().setResourcesList(resources.map((resource) =>
        new AnalyzerResource()
            .setType(resource.type)
            .setName(resource.name)
            .setUrn(`urn:pulumi:test::mailfort::${resource.type}::${resource.name}`)
            .setProperties(Struct.fromJavaScript(resource.props as never))
            .setOptions(new AnalyzerResourceOptions())));
    return new Promise((resolve, reject) => {
        client.analyzeStack(request, (error, response) =>
            error ? reject(error) : resolve(response.getDiagnosticsList()));
    });
}

beforeAll(async () => {
    const port = await startPack();
    client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, startupMs + 10_000);

afterAll(() => {
    client?.close();
    pack?.kill("SIGTERM");
});

describe("the policy pack served by Pulumi's runner", () => {
    it("announces every policy of policies/all.ts with its level", async () => {
        const info = await new Promise<AnalyzerInfo>((resolve, reject) =>
            client.getAnalyzerInfo(new Empty(), (error, response) =>
                error ? reject(error) : resolve(response)));
        expect(info.getName()).toBe("mailfort");
        expect(info.getVersion()).toBe("0.1.0");
        const served = info.getPoliciesList().map((p) => [p.getName(), p.getEnforcementlevel()]);
        const level = (name?: string) =>
            name === "advisory" ? EnforcementLevel.ADVISORY : EnforcementLevel.MANDATORY;
        expect(served).toEqual(policies.map((p) => [p.name, level(p.enforcementLevel)]));
    });

    it("passes every resource of the happy-path stack", async () => {
        for (const resource of happyStack()) {
            const diagnostics = await analyze(resource);
            const found = diagnostics.map((d) => `${d.getPolicyname()}: ${d.getMessage()}`);
            expect(found, resource.name).toEqual([]);
        }
    });

    it("passes the happy-path stack as a whole and refuses it without DMARC", async () => {
        const stack = happyStack();
        expect(await analyzeStack(stack)).toEqual([]);

        const withoutDmarc = stack.filter((resource) => resource.name !== "example-com-dmarc");
        const diagnostics = await analyzeStack(withoutDmarc);
        expect(diagnostics.map((d) => [d.getPolicyname(), d.getUrn()])).toEqual([[
            "require-mail-authentication-records",
            "urn:pulumi:test::mailfort::cloudflare:index/dnsRecord:DnsRecord::example-com-mx",
        ]]);
    });

    it("refuses a mail container with TLS_LEVEL=intermediate", async () => {
        const mail = resourceNamed(happyStack(), "mx1-mailserver");
        setEnv(mail, "TLS_LEVEL", "intermediate");
        const [diagnostic, ...rest] = await analyze(mail);
        expect(rest).toEqual([]);
        expect(diagnostic?.getPolicyname()).toBe("require-modern-tls-level");
        expect(diagnostic?.getEnforcementlevel()).toBe(EnforcementLevel.MANDATORY);
        expect(diagnostic?.getMessage()).toContain("set TLS_LEVEL=modern");
    });

    it("sees the Docker provider, which validateResourceOfType would miss", async () => {
        const provider = resourceNamed(happyStack(), "mx1-docker");
        provider.props["sshOpts"] = JSON.stringify(["-o", "StrictHostKeyChecking=accept-new"]);
        const names = (await analyze(provider)).map((d) => d.getPolicyname());
        expect(names).toEqual(["require-pinned-ssh-host-keys", "require-pinned-ssh-host-keys"]);
    });
});
