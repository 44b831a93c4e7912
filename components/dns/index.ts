export * from "./cloudflare";
export * from "./records";
