/**
 * Docker port bindings for container ports that face the internet. The Docker provider binds
 * `0.0.0.0` (IPv4 only) when no address is given, so a port that must answer on the host's IPv6
 * address gets a second binding on `::`. With the userland proxy off (the baseline's daemon.json)
 * Docker DNATs both families, and the container sees each client's real address.
 */
export function publishedPorts(ports: readonly number[], ipv6: boolean) {
    const families = ipv6 ? ["0.0.0.0", "::"] : ["0.0.0.0"];
    return ports.flatMap((port) =>
        families.map((ip) => ({ internal: port, external: port, protocol: "tcp", ip })),
    );
}
