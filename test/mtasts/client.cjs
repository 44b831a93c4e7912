// A real MTA-STS client run inside the test's network namespace: mailauth resolves the
// `_mta-sts` record through a resolver fed with the planned records, fetches the policy over
// HTTPS (trusting the test CA through NODE_EXTRA_CA_CERTS) and validates MX host names.
// Usage: node client.cjs <records.json> <domain> <mx> [<mx> ...]; prints JSON.
"use strict";
const { readFileSync } = require("node:fs");
const { getPolicy, validateMx } = require("mailauth/lib/mta-sts");

const [recordsFile, domain, ...mxs] = process.argv.slice(2);
const records = JSON.parse(readFileSync(recordsFile, "utf8"));

async function resolver(name, type) {
    const found = records.filter((r) => r.name === name && r.type === type);
    if (found.length === 0) throw Object.assign(new Error(`no ${type} ${name}`), { code: "ENOTFOUND" });
    if (type === "TXT") return found.map((r) => [...r.content.matchAll(/"([^"]*)"/g)].map((m) => m[1]));
    return found.map((r) => r.content);
}

getPolicy(domain, false, { resolver }).then(({ policy, status }) => {
    const verdicts = Object.fromEntries(mxs.map((mx) => [mx, validateMx(mx, policy).valid]));
    process.stdout.write(JSON.stringify({
        status, id: policy.id, mode: policy.mode, mx: policy.mx, maxAge: policy.maxAge,
        error: policy.error ? String(policy.error.message) : undefined, verdicts,
    }));
});
