export { ConfigError, loadStackConfig, namespace, pulumiConfigSource } from "./load";
export type { ConfigProblem, ConfigSource, StackConfig, StackSecrets } from "./load";
export { zoneOf } from "./consistency";
export type { AccountConfig, HostConfig, ParsedStack, StackInput } from "./schema";
