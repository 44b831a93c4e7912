#!/usr/bin/env python3
"""A real SMTP server on loopback that stores every message it accepts, for the alert tests.

usage: smtp-sink.py <outdir> [--tls cert.pem key.pem] [--password secret]
Prints "READY <port>" once listening on 127.0.0.1. With --tls it offers STARTTLS and AUTH only
after it; each message lands in <outdir>/<n>.json with envelope, auth user, TLS flag and data.
"""
import base64, itertools, json, os, re, socketserver, ssl, sys

args = sys.argv[1:]
outdir = args[0]
tls = args[args.index("--tls") + 1: args.index("--tls") + 3] if "--tls" in args else None
password = args[args.index("--password") + 1] if "--password" in args else None
counter = itertools.count(1)


def address(arg):
    """The path of MAIL FROM:<a@b> SIZE=1 or RCPT TO:<a@b>, without ESMTP parameters."""
    match = re.search(r"<([^>]*)>", arg)
    return match.group(1) if match else arg.split(":", 1)[-1].strip()


class Quiet(socketserver.ThreadingTCPServer):
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A client that rejects our certificate is a test outcome, not a sink failure.
        error = sys.exc_info()[1]
        print(f"smtp-sink: session from {client_address} ended: {error}", file=sys.stderr)


class Session(socketserver.StreamRequestHandler):
    timeout = 30

    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def handle(self):
        self.tls, self.user, self.sender, self.rcpts = False, None, None, []
        self.reply("220 sink.test ESMTP")
        while (line := self.rfile.readline()):
            verb, _, arg = line.decode().rstrip("\r\n").partition(" ")
            if not self.command(verb.upper(), arg):
                return

    def command(self, verb, arg):
        if verb in ("EHLO", "HELO"):
            extras = ["STARTTLS"] if tls and not self.tls else []
            extras += ["AUTH PLAIN LOGIN"] if (self.tls or not tls) else []
            for ext in extras:
                self.reply("250-" + ext)
            self.reply("250 SIZE 10000000")
        elif verb == "STARTTLS" and tls:
            self.reply("220 go ahead")
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.connection = context.wrap_socket(self.connection, server_side=True)
            self.rfile, self.wfile = self.connection.makefile("rb"), self.connection.makefile("wb")
            self.tls = True
        elif verb == "AUTH":
            return self.auth(arg)
        elif verb == "MAIL":
            self.sender, self.rcpts = address(arg), []
            self.reply("250 ok")
        elif verb == "RCPT":
            self.rcpts.append(address(arg))
            self.reply("250 ok")
        elif verb == "DATA":
            self.data()
        elif verb == "QUIT":
            self.reply("221 bye")
            return False
        else:
            self.reply("250 ok")
        return True

    def auth(self, arg):
        mech, _, initial = arg.partition(" ")
        if mech.upper() == "PLAIN":
            if not initial:
                self.reply("334 ")
                initial = self.rfile.readline().decode().strip()
            _, user, secret = base64.b64decode(initial).decode().split("\0")
        else:
            self.reply("334 VXNlcm5hbWU6")
            user = base64.b64decode(self.rfile.readline().strip()).decode()
            self.reply("334 UGFzc3dvcmQ6")
            secret = base64.b64decode(self.rfile.readline().strip()).decode()
        if password is not None and secret != password:
            self.reply("535 5.7.8 authentication failed")
            return True
        self.user = user
        self.reply("235 2.7.0 authenticated")
        return True

    def data(self):
        self.reply("354 end with .")
        lines = []
        while (line := self.rfile.readline().decode()) not in (".\r\n", ".\n", ""):
            lines.append(line[1:] if line.startswith("..") else line)
        record = {"from": self.sender, "to": self.rcpts, "user": self.user, "tls": self.tls,
                  "data": "".join(lines).replace("\r\n", "\n")}
        path = os.path.join(outdir, f"{next(counter)}.json")
        with open(path + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)
        self.reply("250 2.0.0 queued")


server = Quiet(("127.0.0.1", 0), Session)
print(f"READY {server.server_address[1]}", flush=True)
server.serve_forever()
