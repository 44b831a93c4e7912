#!/usr/bin/env python3
"""Traffic for the firewall namespace tests; every mode is bounded in count and time.

  serve PORT...                    accept on every port (IPv4 and IPv6), greet, hold connections
  connect HOST PORT TIMEOUT        exit 0 when a TCP connection opens, 1 otherwise
  banner HOST PORT TIMEOUT         print the first line the server sends
  hold HOST PORT N PAUSE TIMEOUT   open N connections one after another, keep them, print how
                                   many opened
  repeat HOST PORT N PAUSE TIMEOUT open and close N connections one after another, print how
                                   many opened
  syn6 DST PORT COUNT INTERVAL     send COUNT bare TCP SYNs over IPv6 (raw socket)
  ptb6 DST COUNT                   send COUNT ICMPv6 packet-too-big messages
"""
import asyncio
import socket
import struct
import sys
import time


async def greet(reader, writer):
    writer.write(b"220 probe ready\r\n")
    await writer.drain()
    try:
        await asyncio.wait_for(reader.read(1), timeout=120)
    except (asyncio.TimeoutError, ConnectionError):
        pass
    writer.close()


async def serve(ports):
    servers = []
    for port in ports:
        sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("::", port))
        servers.append(await asyncio.start_server(greet, sock=sock, backlog=512))
    print("listening", flush=True)
    await asyncio.sleep(600)


def open_connection(host, port, timeout):
    try:
        return socket.create_connection((host, port), timeout=timeout)
    except OSError:
        return None


def connect(host, port, timeout):
    sock = open_connection(host, port, timeout)
    if sock is None:
        return 1
    sock.close()
    return 0


def banner(host, port, timeout):
    sock = open_connection(host, port, timeout)
    if sock is None:
        return 1
    sock.settimeout(timeout)
    try:
        print(sock.recv(200).decode(errors="replace").splitlines()[0])
    except (OSError, IndexError):
        return 1
    finally:
        sock.close()
    return 0


def hold(host, port, count, pause, timeout):
    held = []
    for _ in range(count):
        sock = open_connection(host, port, timeout)
        if sock is not None:
            held.append(sock)
        time.sleep(pause)
    print(len(held))
    for sock in held:
        sock.close()
    return 0


def repeat(host, port, count, pause, timeout):
    opened = 0
    for _ in range(count):
        if connect(host, port, timeout) == 0:
            opened += 1
        time.sleep(pause)
    print(opened)
    return 0


def syn6(dst, port, count, interval):
    sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_TCP)
    # The kernel fills in the TCP checksum at byte 16 (RFC 3542, IPV6_CHECKSUM).
    sock.setsockopt(socket.IPPROTO_IPV6, 7, 16)
    for n in range(count):
        header = struct.pack("!HHIIBBHHH", 40000 + n % 20000, port, n, 0, 5 << 4, 0x02,
                             64240, 0, 0)
        sock.sendto(header, (dst, 0))
        time.sleep(interval)
    return 0


def ptb6(dst, count):
    sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    # The quoted packet: an IPv6 header from the destination to a documentation address.
    quoted = struct.pack("!IHBB", 6 << 28, 0, 6, 64) + socket.inet_pton(
        socket.AF_INET6, dst) + socket.inet_pton(socket.AF_INET6, "2001:db8:ffff::1")
    for _ in range(count):
        # Type 2 (packet too big), code 0, checksum by the kernel, MTU 1280.
        sock.sendto(struct.pack("!BBHI", 2, 0, 0, 1280) + quoted, (dst, 0))
    return 0


def main(argv):
    mode, args = argv[1], argv[2:]
    if mode == "serve":
        asyncio.run(serve([int(p) for p in args]))
        return 0
    if mode == "connect":
        return connect(args[0], int(args[1]), float(args[2]))
    if mode == "banner":
        return banner(args[0], int(args[1]), float(args[2]))
    if mode == "hold":
        return hold(args[0], int(args[1]), int(args[2]), float(args[3]), float(args[4]))
    if mode == "repeat":
        return repeat(args[0], int(args[1]), int(args[2]), float(args[3]), float(args[4]))
    if mode == "syn6":
        return syn6(args[0], int(args[1]), int(args[2]), float(args[3]))
    if mode == "ptb6":
        return ptb6(args[0], int(args[1]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
