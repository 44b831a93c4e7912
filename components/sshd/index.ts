export { Sshd } from "./sshd";
export type { SshdArgs } from "./sshd";
export {
    allowedUsers,
    ciphers,
    hostKeyAlgorithms,
    kexAlgorithms,
    macs,
    permitRootLogin,
    portLines,
    renderApplyConf,
    renderAuthorizedKeys,
    renderSshdDropin,
    sshdDropinPath,
    sshdFiles,
} from "./render";
