/**
 * Helpers for system tests that run real tools: find them or fail saying what is missing, run
 * them with a bounded time, and never skip silently.
 */
import { execFileSync, spawnSync, SpawnSyncReturns } from "node:child_process";

/** Throws a message naming every missing program and the Debian package that provides it. */
export function requireTools(tools: Record<string, string>): void {
    const missing = Object.entries(tools).filter(([tool]) => !onPath(tool));
    if (missing.length > 0) {
        const list = missing.map(([tool, pkg]) => `${tool} (Debian package ${pkg})`).join(", ");
        throw new Error(
            `this system test needs ${list}; run \`npm test\` as root on Debian to install`,
        );
    }
}

export function requireRoot(): void {
    if (process.getuid?.() !== 0) {
        throw new Error(
            "this system test needs root for network namespaces; run `npm test` as root",
        );
    }
}

export function onPath(tool: string): boolean {
    return spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status === 0;
}

/** Runs a program, throwing with its output when it fails. */
export function run(
    file: string,
    args: string[],
    options: { input?: string; timeoutMs?: number } = {},
): string {
    return execFileSync(file, args, {
        input: options.input,
        timeout: options.timeoutMs ?? 60_000,
        encoding: "utf8",
        stdio: ["pipe", "pipe", "pipe"],
    });
}

/** Runs a program and returns status and output without throwing. */
export function attempt(
    file: string,
    args: string[],
    options: { input?: string; timeoutMs?: number } = {},
): SpawnSyncReturns<string> {
    return spawnSync(file, args, {
        input: options.input,
        timeout: options.timeoutMs ?? 60_000,
        encoding: "utf8",
    });
}
