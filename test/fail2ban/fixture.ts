/** A minimal valid stack config for Fail2Ban tests, as Pulumi config would hand it over. */
import * as fs from "node:fs";
import * as path from "node:path";

export const repoRoot = path.join(__dirname, "..", "..");

export {
    minimalConfig as stack,
    minimalSource as stackSource,
    operatorKey,
} from "../support/stack";

/**
 * Upstream's annotated sample logs: `MAILFORT_F2B_CORPUS`, else `../shared/corpus/fail2ban-logs`
 * beside the repository (kept out of the repo: they are upstream's files, not ours).
 */
export function corpusDir(): string {
    return process.env.MAILFORT_F2B_CORPUS ??
        path.resolve(repoRoot, "..", "shared", "corpus", "fail2ban-logs");
}

export function corpusPresent(): boolean {
    return fs.existsSync(path.join(corpusDir(), "postfix"));
}

export const samplesDir = path.join(__dirname, "samples");
