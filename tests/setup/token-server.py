#!/usr/bin/env python3
"""A small Bearer token service for the test registry on 127.0.0.1.

It implements the Docker registry token protocol (GET /token?service=&scope=)
the way Docker Hub's auth.docker.io does, for one user:

- With correct Basic credentials, the requested actions are granted.
- Without credentials, only `pull` on repositories under `public/` is
  granted; other scopes get a token without that access (the registry then
  answers 401), as a public registry does for private repositories.
- With wrong credentials: 401.

Tokens are JWTs signed RS256 with `openssl dgst` (the Python standard
library has no RSA), carrying the signing certificate in the `x5c` header so
that the registry verifies them against its `rootcertbundle`.
Also: GET /health answers 200 (readiness), and every request is logged to
stderr in one line.
"""

import argparse
import base64
import http.server
import json
import os
import subprocess
import sys
import time
import urllib.parse

TOKEN_LIFETIME = 300


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def cert_der_b64(cert_path):
    der = subprocess.run(["openssl", "x509", "-in", cert_path, "-outform", "DER"],
                         check=True, capture_output=True).stdout
    return base64.b64encode(der).decode()


def sign_rs256(key_path, data):
    return subprocess.run(["openssl", "dgst", "-sha256", "-sign", key_path],
                          input=data, check=True, capture_output=True).stdout


def parse_scope(scope):
    """'repository:name:pull,push' -> ('repository', 'name', ['pull','push'])."""
    parts = scope.split(":")
    if len(parts) < 3:
        return None
    kind, actions = parts[0], parts[-1]
    name = ":".join(parts[1:-1])  # names may hold a registry port
    return kind, name, [a for a in actions.split(",") if a]


class Issuer:
    def __init__(self, args):
        self.args = args
        self.x5c = cert_der_b64(args.cert)

    def check_basic(self, header):
        """None when no credentials were given, else True/False."""
        if not header:
            return None
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return user == self.args.htpasswd_user and password == self.args.htpasswd_password

    def grant(self, scopes, authenticated):
        access = []
        for scope in scopes:
            parsed = parse_scope(scope)
            if parsed is None:
                continue
            kind, name, actions = parsed
            if not authenticated:
                allowed = ["pull"] if kind == "repository" and name.startswith("public/") else []
                actions = [a for a in actions if a in allowed]
            access.append({"type": kind, "name": name, "actions": actions})
        return access

    def token(self, subject, access):
        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT", "x5c": [self.x5c]}
        claims = {
            "iss": self.args.issuer,
            "sub": subject,
            "aud": self.args.service,
            "exp": now + TOKEN_LIFETIME,
            "nbf": now - 10,
            "iat": now,
            "jti": b64url(os.urandom(12)),
            "access": access,
        }
        signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "." +
                         b64url(json.dumps(claims, separators=(",", ":")).encode()))
        signature = sign_rs256(self.args.key, signing_input.encode())
        return signing_input + "." + b64url(signature), now


def make_handler(issuer):
    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "ctool-test-token/1"

        def log_message(self, fmt, *args):
            sys.stderr.write("token-server: %s\n" % (fmt % args))

        def reply(self, code, body, extra_headers=()):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in extra_headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            if url.path == "/health":
                return self.reply(200, {"status": "ok"})
            if url.path != "/token":
                return self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": "no such endpoint"}]})
            query = urllib.parse.parse_qs(url.query)
            if query.get("service", [issuer.args.service])[0] != issuer.args.service:
                return self.reply(400, {"errors": [{"code": "DENIED", "message": "unknown service"}]})
            ok = issuer.check_basic(self.headers.get("Authorization"))
            if ok is False:
                return self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": "wrong user name or password"}]},
                                  [("WWW-Authenticate", 'Basic realm="ctool-test-token"')])
            scopes = []
            for s in query.get("scope", []):
                scopes.extend(s.split(" "))
            subject = issuer.args.htpasswd_user if ok else ""
            token, issued = issuer.token(subject, issuer.grant(scopes, bool(ok)))
            return self.reply(200, {
                "token": token,
                "access_token": token,
                "expires_in": TOKEN_LIFETIME,
                "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(issued)),
            })

    return Handler


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--htpasswd-user", required=True)
    p.add_argument("--htpasswd-password", required=True)
    p.add_argument("--issuer", required=True)
    p.add_argument("--service", required=True)
    args = p.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(Issuer(args)))
    server.serve_forever()


if __name__ == "__main__":
    main()
