#!/usr/bin/env python3
"""TCP ends for the ban-scale benchmark, one process each so process start-up never counts.

  tcp.py listen PORT SECONDS           accept and close until SECONDS pass (the "mail server")
  tcp.py connect HOST PORT SECONDS N   connect+close for SECONDS in N equal windows; prints JSON
  tcp.py probe SOURCE HOST PORT        one connect from SOURCE; prints "open" or "blocked"
"""
import json
import socket
import struct
import sys
import time

CONNECT_TIMEOUT = 1.0
# Closing with RST (linger 0) leaves no TIME_WAIT behind: a few seconds at thousands of connects
# per second would otherwise run the client out of ephemeral ports between windows.
RESET = struct.pack("ii", 1, 0)


def listen(port, seconds):
    server = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    server.bind(("::", port))
    server.listen(4096)
    server.settimeout(1.0)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn, _ = server.accept()
        except socket.timeout:
            continue
        conn.close()


def connect_once(host, port, source=None):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, RESET)
    sock.settimeout(CONNECT_TIMEOUT)
    try:
        if source:
            sock.bind((source, 0))
        sock.connect((host, port))
        return True
    except OSError:
        return False
    finally:
        sock.close()


def connect(host, port, seconds, windows):
    """Sequential connects; each window's rate, so a burst of load elsewhere shows as one."""
    length = seconds / windows
    rates, failures = [], 0
    for _ in range(windows):
        ok, start = 0, time.monotonic()
        end = start + length
        while time.monotonic() < end:
            if connect_once(host, port):
                ok += 1
            else:
                failures += 1
        rates.append(ok / (time.monotonic() - start))
    print(json.dumps({"rates": rates, "failures": failures}))


def main(argv):
    if argv[0] == "listen":
        listen(int(argv[1]), float(argv[2]))
    elif argv[0] == "connect":
        connect(argv[1], int(argv[2]), float(argv[3]), int(argv[4]))
    elif argv[0] == "probe":
        print("open" if connect_once(argv[2], int(argv[3]), argv[1]) else "blocked")
    else:
        sys.exit(f"unknown mode {argv[0]}")


if __name__ == "__main__":
    main(sys.argv[1:])
