/** Runs the real shellcheck over host-side scripts, following their `source` lines. */
import * as path from "node:path";

import { attempt, requireTools } from "../support/system";

const components = path.join(__dirname, "../../components");

/** shellcheck's findings for scripts given relative to `components/`; empty when clean. */
export function shellcheck(scripts: string[]): string {
    requireTools({ shellcheck: "shellcheck" });
    const files = scripts.map((script) => path.join(components, script));
    const result = attempt("shellcheck", ["-x", "--severity=style", ...files]);
    if (result.status === 0) return "";
    return `${result.stdout}${result.stderr}` || `shellcheck exited with ${result.status}`;
}
