#!/usr/bin/env python3
"""A loopback HTTP proxy for hfwrap's tests: refuses (407 / 403) or forwards to 127.0.0.1 only.

    python3 proxy.py --config cfg.json [--port N]

Config JSON: {"mode": "407" | "403" | "forward", "log": "/path/requests.jsonl"}
  407      every request, plain or CONNECT, gets `407 Proxy Authentication Required`
           with `Proxy-Authenticate: Basic realm="fakeproxy"`.
  403      every request gets `403 Forbidden` (a proxy that refuses CONNECT / the destination).
  forward  plain-HTTP requests whose target is 127.0.0.1 are forwarded; anything else (other
           hosts, CONNECT) gets 403. Nothing ever leaves the loopback interface.

Prints `READY http://127.0.0.1:PORT` once listening, like fakehub.py, and logs one JSON line
per request (method, path = the request target, status, has_authorization,
has_proxy_authorization, class "proxy").
"""

import argparse
import hashlib
import http.client
import http.server
import json
import signal
import sys
import threading
import time
import urllib.parse

HOST = "127.0.0.1"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--port", type=int, default=None)
    args = ap.parse_args()
    with open(args.config) as fh:
        config = json.load(fh)
    mode = str(config.get("mode", "407"))
    if mode not in ("407", "403", "forward"):
        raise SystemExit("proxy.py: unknown mode %r" % mode)
    log_path = config.get("log")
    log_lock = threading.Lock()

    def log(entry):
        if log_path:
            with log_lock, open(log_path, "a") as fh:
                fh.write(json.dumps(entry, sort_keys=True) + "\n")

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "fakeproxy/1"

        def version_string(self):
            return self.server_version

        def log_message(self, fmt, *a):
            pass

        def record(self, status):
            auth = self.headers.get("Authorization")
            log(
                {
                    "t": round(time.time(), 3),
                    "origin": "proxy",
                    "class": "proxy",
                    "method": self.command,
                    "path": self.path,
                    "repo": None,
                    "status": status,
                    "range": self.headers.get("Range"),
                    "has_authorization": auth is not None,
                    "auth_sha256": hashlib.sha256(auth.encode()).hexdigest() if auth else None,
                    "has_proxy_authorization": self.headers.get("Proxy-Authorization") is not None,
                    "fault": None,
                }
            )

        def refuse(self, status):
            self.record(status)
            body = b"" if self.command == "HEAD" else ("%d refused by fakeproxy\n" % status).encode()
            self.send_response(status)
            if status == 407:
                self.send_header("Proxy-Authenticate", 'Basic realm="fakeproxy"')
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            if self.command == "CONNECT":
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(body)

        def forward(self):
            target = urllib.parse.urlsplit(self.path)
            if target.scheme != "http" or target.hostname != "127.0.0.1":
                return self.refuse(403)
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("proxy-authorization", "proxy-connection", "connection")}
            conn = http.client.HTTPConnection("127.0.0.1", target.port or 80, timeout=120)
            path = target.path + ("?" + target.query if target.query else "")
            try:
                conn.request(self.command, path or "/", body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
            except OSError:
                return self.refuse(502)
            self.record(resp.status)
            self.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
            conn.close()

        def handle_any(self):
            if mode == "407":
                return self.refuse(407)
            if mode == "403" or self.command == "CONNECT":
                return self.refuse(403)
            return self.forward()

        do_GET = do_HEAD = do_POST = do_PUT = do_CONNECT = handle_any

    class Server(http.server.ThreadingHTTPServer):
        daemon_threads = True
        block_on_close = False

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    port = args.port if args.port is not None else int(config.get("port", 0))
    server = Server((HOST, port), Handler)
    sys.stdout.write("READY http://%s:%d\n" % (HOST, server.server_address[1]))
    sys.stdout.flush()
    server.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    main()
