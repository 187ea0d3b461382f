#!/usr/bin/env python3
"""Hostile images and a registry that misbehaves on purpose, for the
bad-input tests (82-hostile.bats).

  hostile.py image LAYOUT TAG [--gzip] [--bomb BYTES] [--config FILE] [CODE]
      Add to the OCI layout LAYOUT (made when missing) an image tagged TAG
      whose single layer is the tar that the Python CODE writes through
      add(name, data=b"", **tarinfo_fields) (as tests/bats/23-layers.bats
      does), or, with --bomb, one file of BYTES zero bytes. --gzip
      compresses the layer. The config's diff_ids match the layer, unless
      --config gives the config's bytes. Prints the manifest's digest.

  hostile.py serve LAYOUT
      Serve LAYOUT as a registry (API v2, pulls only) on 127.0.0.1, on a
      free port printed on stdout; any repository name. Manifests by tag
      (index.json ref names) or digest, blobs from blobs/sha256.
      LAYOUT/routes.json, read again on every request, overrides the
      answer for a request path (without the query):
        {"/v2/r/manifests/t": {"body": "...", "status": 200, ...}}
      with any of:
        body      the body (a string)
        file      a file of LAYOUT to send as the body instead
        type      Content-Type
        status    HTTP status (default 200)
        digest    Docker-Content-Digest (default: the body's sha256)
        length    the Content-Length to announce (default: the body's)
        endless   after the body, send this string again and again until
                  the client hangs up (no Content-Length)
        redirect  answer 307 with this Location
      Requests are logged to LAYOUT/requests as "METHOD PATH STATUS".
"""

import gzip
import hashlib
import http.server
import io
import json
import os
import re
import sys
import tarfile
import zlib

MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER = "application/vnd.oci.image.layer.v1.tar"
REF_NAME = "org.opencontainers.image.ref.name"
ARCH = {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine)


def put_blob(layout, data):
    hexdigest = hashlib.sha256(data).hexdigest()
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(layout, "blobs", "sha256", hexdigest), "wb") as f:
        f.write(data)
    return "sha256:" + hexdigest


def layer_from_code(code):
    buf = io.BytesIO()
    t = tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT)

    def add(name, data=b"", **kw):
        ti = tarfile.TarInfo(name)
        for k, v in kw.items():
            setattr(ti, k, v)
        regular = ti.type in (tarfile.REGTYPE, tarfile.AREGTYPE)
        ti.size = len(data) if regular else 0
        t.addfile(ti, io.BytesIO(data) if regular else None)

    exec(code, {"add": add, "tarfile": tarfile})
    t.close()
    return buf.getvalue()


class Zeros(io.RawIOBase):
    """BYTES zero bytes as a file object, without holding them."""

    def __init__(self, size):
        self.left = size

    def readable(self):
        return True

    def readinto(self, b):
        n = min(len(b), self.left)
        b[:n] = bytes(n)
        self.left -= n
        return n


def bomb_layer(size):
    """A gzip'ed tar of one file of SIZE zeros: (compressed, diff_id)."""

    class Sink(io.RawIOBase):
        def __init__(self):
            self.sha = hashlib.sha256()
            self.gz = zlib.compressobj(9, zlib.DEFLATED, 31)
            self.out = io.BytesIO()

        def writable(self):
            return True

        def write(self, b):
            self.sha.update(b)
            self.out.write(self.gz.compress(b))
            return len(b)

    sink = Sink()
    t = tarfile.open(fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT)
    ti = tarfile.TarInfo("zeros")
    ti.size = size
    t.addfile(ti, io.BufferedReader(Zeros(size), 1 << 20))
    t.close()
    sink.out.write(sink.gz.flush())
    return sink.out.getvalue(), "sha256:" + sink.sha.hexdigest()


def cmd_image(args):
    compress = "--gzip" in args
    args = [a for a in args if a != "--gzip"]
    bomb = None
    if "--bomb" in args:
        i = args.index("--bomb")
        bomb = int(args[i + 1])
        del args[i:i + 2]
    config_file = None
    if "--config" in args:
        i = args.index("--config")
        config_file = args[i + 1]
        del args[i:i + 2]
    layout, tag = args[0], args[1]
    code = args[2] if len(args) > 2 else ""
    os.makedirs(layout, exist_ok=True)
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    if bomb is not None:
        layer, diff_id = bomb_layer(bomb)
        mt = MT_LAYER + "+gzip"
    else:
        tar = layer_from_code(code)
        diff_id = "sha256:" + hashlib.sha256(tar).hexdigest()
        layer = gzip.compress(tar, mtime=0) if compress else tar
        mt = MT_LAYER + ("+gzip" if compress else "")
    ld = put_blob(layout, layer)
    if config_file:
        with open(config_file, "rb") as f:
            config = f.read()
    else:
        config = json.dumps({"architecture": ARCH, "os": "linux", "config": {"Cmd": ["sh"]},
                             "rootfs": {"type": "layers", "diff_ids": [diff_id]}}).encode()
    cd = put_blob(layout, config)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": MT_MANIFEST,
                           "config": {"mediaType": MT_CONFIG, "digest": cd, "size": len(config)},
                           "layers": [{"mediaType": mt, "digest": ld, "size": len(layer)}]}).encode()
    md = put_blob(layout, manifest)
    index_path = os.path.join(layout, "index.json")
    index = {"schemaVersion": 2, "manifests": []}
    if os.path.exists(index_path):
        with open(index_path) as f:
            index = json.load(f)
    index["manifests"] = [m for m in index["manifests"] if m.get("annotations", {}).get(REF_NAME) != tag]
    index["manifests"].append({"mediaType": MT_MANIFEST, "digest": md, "size": len(manifest),
                               "annotations": {REF_NAME: tag}})
    with open(index_path, "w") as f:
        json.dump(index, f)
    print(md)


def cmd_serve(layout):
    route = re.compile(r"^/v2/(.+)/(manifests|blobs)/([^/]+)$")

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            pass

        def record(self, status):
            with open(os.path.join(layout, "requests"), "a") as f:
                f.write("%s %s %d\n" % (self.command, self.path.split("?")[0], status))

        def answer(self, status, body=b"", ctype="application/json", digest=None, extra=None):
            self.record(status)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            if digest:
                self.send_header("Docker-Content-Digest", digest)
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def override(self, spec):
            if "redirect" in spec:
                return self.answer(spec.get("status", 307), extra={"Location": spec["redirect"]})
            if "file" in spec:
                with open(os.path.join(layout, spec["file"]), "rb") as f:
                    body = f.read()
            else:
                body = spec.get("body", "").encode()
            status = spec.get("status", 200)
            digest = spec.get("digest", "sha256:" + hashlib.sha256(body).hexdigest())
            ctype = spec.get("type", MT_MANIFEST)
            if "endless" not in spec and "length" not in spec:
                return self.answer(status, body, ctype, digest)
            self.record(status)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Docker-Content-Digest", digest)
            if "length" in spec:
                self.send_header("Content-Length", str(spec["length"]))
            else:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if self.command == "HEAD":
                return
            try:
                self.wfile.write(body)
                chunk = spec.get("endless", "").encode() * 4096
                while chunk:
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def serve(self):
            path = self.path.split("?")[0]
            try:
                with open(os.path.join(layout, "routes.json")) as f:
                    routes = json.load(f)
            except FileNotFoundError:
                routes = {}
            if path in routes:
                return self.override(routes[path])
            if path == "/v2/":
                return self.answer(200, b"{}")
            m = route.match(path)
            if not m:
                return self.answer(404, b'{"errors":[{"code":"NOT_FOUND"}]}')
            kind, ref = m.group(2), m.group(3)
            with open(os.path.join(layout, "index.json")) as f:
                index = json.load(f)
            if kind == "manifests":
                for d in index["manifests"]:
                    if d["digest"] == ref or d.get("annotations", {}).get(REF_NAME) == ref:
                        with open(os.path.join(layout, "blobs", "sha256", d["digest"][7:]), "rb") as f:
                            return self.answer(200, f.read(), d["mediaType"], d["digest"])
                return self.answer(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}')
            blob = os.path.join(layout, "blobs", "sha256", ref[7:] if ref.startswith("sha256:") else "-")
            if re.match(r"^sha256:[0-9a-f]{64}$", ref) and os.path.exists(blob):
                with open(blob, "rb") as f:
                    return self.answer(200, f.read(), "application/octet-stream", ref)
            return self.answer(404, b'{"errors":[{"code":"BLOB_UNKNOWN"}]}')

        do_GET = serve
        do_HEAD = serve

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "image":
        cmd_image(sys.argv[2:])
    elif len(sys.argv) == 3 and sys.argv[1] == "serve":
        cmd_serve(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
