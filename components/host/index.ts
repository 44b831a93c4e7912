export { dockerProvider, dockerSshOptions, hostConnection } from "./connection";
export type { Connection, DockerHost } from "./connection";
export { filesDigest, HostFiles, installCommand, parseInstallCommand } from "./files";
export type { HostFile, HostFilesArgs } from "./files";
export { hostPaths, mailVolumes } from "./paths";
export { publishedPorts } from "./ports";
