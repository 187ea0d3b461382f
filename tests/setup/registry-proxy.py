#!/usr/bin/env python3
"""A fault-injecting HTTP proxy in front of a test registry (pulls only).

Tests point ctool at 127.0.0.1:PORT instead of the registry to see how it
copes with a slow network and with misbehaving servers. Only GET and HEAD
are forwarded (what a pull needs); headers pass through unchanged.

Faults apply to blob downloads (GET /v2/NAME/blobs/DIGEST):
  --rate BYTES        send blob bodies at BYTES per second
  --corrupt           flip one byte in the middle of every blob body
  --truncate BYTES    send only the first BYTES of a blob body, then close
  --fail-status CODE  answer the first --fail-count blob requests with CODE
  --fail-count N      (default 1); with 429 and 503 a Retry-After: 1 is sent
  --only DIGEST       apply the faults to this blob only (repeatable)
Every request is logged to stderr as one line, and counted in the file
given by --count-file (one line per request: METHOD PATH STATUS), so that
tests can assert retries.
"""

import argparse
import http.client
import http.server
import re
import sys
import threading
import time

BLOB = re.compile(r"^/v2/.+/blobs/sha256:[0-9a-f]{64}$")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--listen", type=int, required=True, help="port on 127.0.0.1 (0: any; printed)")
    p.add_argument("--upstream", required=True, help="HOST:PORT of a plain HTTP registry")
    p.add_argument("--rate", type=int, default=0)
    p.add_argument("--corrupt", action="store_true")
    p.add_argument("--truncate", type=int, default=-1)
    p.add_argument("--fail-status", type=int, default=0)
    p.add_argument("--fail-count", type=int, default=1)
    p.add_argument("--only", action="append", default=[])
    p.add_argument("--count-file")
    args = p.parse_args()
    state = {"failures_left": args.fail_count if args.fail_status else 0}
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            sys.stderr.write("registry-proxy: %s\n" % (fmt % a))

        def record(self, status):
            if args.count_file:
                with lock, open(args.count_file, "a") as f:
                    f.write("%s %s %d\n" % (self.command, self.path.split("?")[0], status))

        def forward(self):
            path = self.path.split("?")[0]
            is_blob = (self.command == "GET" and BLOB.match(path) and
                       (not args.only or path.rsplit("/", 1)[1] in args.only))
            if is_blob:
                with lock:
                    fail = state["failures_left"] > 0
                    if fail:
                        state["failures_left"] -= 1
                if fail:
                    self.record(args.fail_status)
                    self.send_response(args.fail_status)
                    if args.fail_status in (429, 503):
                        self.send_header("Retry-After", "1")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
            conn = http.client.HTTPConnection(args.upstream, timeout=60)
            # Repeated headers (several Accept lines) are passed on one by one.
            conn.putrequest(self.command, self.path, skip_accept_encoding=True)
            for k, v in self.headers.items():
                if k.lower() not in ("connection", "host"):
                    conn.putheader(k, v)
            conn.endheaders()
            resp = conn.getresponse()
            self.record(resp.status)
            self.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() not in ("connection", "transfer-encoding"):
                    self.send_header(k, v)
            body = resp.read() if self.command == "GET" else b""
            if "Content-Length" not in resp.headers and self.command == "GET":
                self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            if not body:
                return
            if is_blob and resp.status == 200:
                if args.corrupt:
                    mid = len(body) // 2
                    body = body[:mid] + bytes([body[mid] ^ 0xFF]) + body[mid + 1:]
                if args.truncate >= 0:
                    body = body[:args.truncate]
                if args.rate > 0:
                    chunk = max(1, args.rate // 20)
                    for i in range(0, len(body), chunk):
                        self.wfile.write(body[i:i + chunk])
                        self.wfile.flush()
                        time.sleep(0.05)
                    return
            self.wfile.write(body)

        def do_GET(self):
            try:
                self.forward()
            except (BrokenPipeError, ConnectionResetError):
                pass

        do_HEAD = do_GET

        def do_POST(self):
            self.send_error(405, "the test proxy forwards pulls only")

        do_PUT = do_PATCH = do_DELETE = do_POST

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.listen), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
