#!/usr/bin/env python3
"""A real HTTPS server on loopback that stores every POST body, for the webhook fallback test.

usage: webhook-sink.py <outdir> <cert.pem> <key.pem>
Prints "READY <port>"; each request lands in <outdir>/<n>.json as {"path": ..., "body": ...}.
"""
import http.server, itertools, json, os, ssl, sys

outdir, cert, key = sys.argv[1:4]
counter = itertools.count(1)


class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        record = {"path": self.path, "type": self.headers.get("Content-Type"), "body": body}
        path = os.path.join(outdir, f"{next(counter)}.json")
        with open(path + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
print(f"READY {server.server_address[1]}", flush=True)
server.serve_forever()
