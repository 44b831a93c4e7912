/**
 * The `-o Key=Value` options of an ssh command line, as the Docker provider's `sshOpts` carries
 * them. Providers receive list inputs JSON-encoded, so a string is decoded first.
 */
export function sshOptions(value: unknown): Map<string, string> {
    const options = new Map<string, string>();
    const tokens = tokensOf(value);
    for (let i = 0; i < tokens.length; i++) {
        const token = tokens[i] ?? "";
        let option: string | undefined;
        if (token === "-o") option = tokens[++i];
        else if (token.startsWith("-o")) option = token.slice(2);
        if (option === undefined) continue;
        const match = /^\s*([A-Za-z]+)\s*(?:=|\s)\s*(.*?)\s*$/.exec(option);
        // ssh keeps the first value given for an option; keys are case-insensitive.
        const key = match?.[1]?.toLowerCase();
        if (key && !options.has(key)) options.set(key, match?.[2] ?? "");
    }
    return options;
}

function tokensOf(value: unknown): string[] {
    if (Array.isArray(value)) return value.flatMap((item) => splitOption(String(item)));
    if (typeof value !== "string") return [];
    try {
        const parsed: unknown = JSON.parse(value);
        if (Array.isArray(parsed)) return tokensOf(parsed);
    } catch {
        // Not JSON: an option string as typed on a command line.
    }
    return value.split(/\s+/).filter(Boolean);
}

/** "-o Key=Value" given as one list item becomes two tokens, as the shell would split it. */
function splitOption(item: string): string[] {
    const match = /^-o\s+(.*)$/.exec(item.trim());
    return match ? ["-o", match[1] ?? ""] : [item];
}
