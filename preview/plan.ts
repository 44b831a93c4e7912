/**
 * `npm run plan [-- --stack NAME] [--config FILE] [--out DIR] [--diff BUILD]`: the offline
 * preview. Runs the real program under Pulumi's mock runtime with the stack's config file, runs
 * the policy pack over what it declares, prints the tree and the verdicts, and writes
 * `build/<stack>/` for review. With `--diff`, it also compares the new build with an earlier
 * build of the same stack and prints (and writes to `changes.md`) what `pulumi up` would change.
 * Exit codes: 0 clean, 1 a mandatory policy is violated, 2 the config is invalid.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

import { ConfigError } from "../config/load";
import { runPolicies } from "../policies/run";
import { fingerprintKey, useKeyStore } from "./mocks";
import { changeSummary, diffBuilds, readBuild } from "./diff";
import { plannedHostFiles, plannedRecords, resourceTree, writeBuild } from "./report";
import { runProgram } from "./run";
import { fingerprinter, unwrap } from "./secrets";
import { readStackFile } from "./stack-file";

// Pulumi captures a stack trace for every promise and resource; mapping each through source
// maps costs more than the whole plan, and the preview has no use for the mapped positions.
process.setSourceMapsEnabled(false);

const root = resolve(__dirname, "..");

interface Options {
    stack: string;
    out: string;
    /** The stack config file. Defaults to Pulumi.<stack>.yaml beside Pulumi.yaml. */
    configFile?: string;
    /** An earlier build folder (`build/<stack>`) to compare with. */
    diff?: string;
    /** Where the preview's stand-in keys live. Defaults to `<out>/.preview-keys`. */
    keys?: string;
}

function parseArguments(argv: string[]): Options {
    const options: Options = { stack: "prod", out: join(root, "build") };
    for (let i = 0; i < argv.length; i++) {
        const value = argv[i + 1];
        if (argv[i] === "--stack" && value) options.stack = value;
        else if (argv[i] === "--out" && value) options.out = resolve(value);
        else if (argv[i] === "--config" && value) options.configFile = resolve(value);
        else if (argv[i] === "--diff" && value) options.diff = resolve(value);
        else if (argv[i] === "--keys" && value) options.keys = resolve(value);
        else continue;
        i++;
    }
    return options;
}

async function main(): Promise<number> {
    const options = parseArguments(process.argv.slice(2));
    const stackPath = options.configFile ?? join(root, `Pulumi.${options.stack}.yaml`);
    if (!existsSync(stackPath)) {
        console.error(`No stack config file ${stackPath}; --stack names a Pulumi.<stack>.yaml.`);
        return 2;
    }
    const file = readStackFile(stackPath);
    const keys = options.keys ?? join(options.out, ".preview-keys");
    useKeyStore(join(keys, `${options.stack}.json`));
    const run = await runProgram(options.stack, file, join(root, "index.ts"));

    const addresses = hostAddresses(file.config["mailfort:hosts"]);
    const policyInput = run.resources
        .filter((r) => r.custom || r.type.startsWith("pulumi:providers:"))
        .map((r) => ({
            type: r.type,
            name: r.name,
            props: unwrap(r.inputs) as Record<string, unknown>,
        }));
    const verdicts = await runPolicies(policyInput);
    const files = plannedHostFiles(run.resources, addresses);
    const folder = join(options.out, options.stack);
    // Read the earlier build first: it may be the very folder this run replaces.
    const earlier = options.diff ? readBuild(options.diff) : undefined;
    const fingerprint = fingerprinter(fingerprintKey(join(keys, "fingerprint.key")));
    writeBuild(folder, run.resources, verdicts, files, plannedRecords(run.resources), fingerprint);

    console.log(resourceTree(run.resources, `mailfort-${options.stack}`));
    console.log(`\n${run.resources.length} resources, ${files.length} host files -> ${folder}`);
    printVerdicts(verdicts);
    if (earlier) {
        const summary = changeSummary(
            diffBuilds(earlier, readBuild(folder)),
            `${options.diff} -> ${folder}`,
        );
        writeFileSync(join(folder, "changes.md"), summary);
        console.log(`\n${summary}`);
    }
    return verdicts.some((v) => v.level === "mandatory") ? 1 : 0;
}

function hostAddresses(hostsJson: string | undefined): Record<string, string> {
    const hosts = JSON.parse(hostsJson ?? "[]") as { hostname: string; ipv4: string }[];
    return Object.fromEntries(hosts.map((h) => [h.ipv4, h.hostname]));
}

function printVerdicts(
    verdicts: { policy: string; resource: string; level: string; message: string }[],
) {
    if (verdicts.length === 0) {
        console.log("Policies: every policy of the mailfort pack passed.");
        return;
    }
    console.log(`Policies: ${verdicts.length} violation(s):`);
    for (const v of verdicts)
        console.log(`  [${v.level}] ${v.policy} (${v.resource || "stack"}): ${v.message}`);
}

main().then(
    (code) => process.exit(code),
    (error: unknown) => {
        if (error instanceof ConfigError) {
            console.error(error.message);
            process.exit(2);
        }
        console.error(error);
        process.exit(3);
    },
);
