"""``rangekit``: the small stdlib library every challenge service imports inside the sandbox.

Shipped as text (it runs under the sandbox's system ``python3``, never imported by Détente)
and written into the range as ``rangekit/rangekit.py``, bound read-only at ``/opt/range``.
"""

from __future__ import annotations

__all__ = ["RANGEKIT"]

RANGEKIT = r'''"""Détente range service kit: secrets from stdin, tiny HTTP and line-protocol servers."""
import ctypes
import http.server
import json
import socketserver
import sys
import urllib.parse


def load_secrets():
    """Read the service's secrets (one JSON object on stdin), then become non-dumpable so a
    process of the same user cannot read our memory, environment or ptrace us."""
    data = json.loads(sys.stdin.read() or "{}")
    sys.stdin.close()
    try:
        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE, 0
    except OSError:
        pass
    return data


class Request:
    def __init__(self, method, path, query, headers, body, client):
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.client = client

    def arg(self, name, default=""):
        if name in self.query:
            return self.query[name]
        return self.form().get(name, default)

    def form(self):
        ctype = self.headers.get("Content-Type", "")
        text = self.body.decode("utf-8", "replace")
        if "json" in ctype:
            try:
                value = json.loads(text or "{}")
            except ValueError:
                return {}
            return value if isinstance(value, dict) else {}
        return {k: v[0] for k, v in urllib.parse.parse_qs(text, keep_blank_values=True).items()}


def serve_http(port, handler):
    """handler(Request) -> (status, body, headers): str or bytes body, dict headers."""

    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "range-httpd/1.0"

        def _go(self):
            split = urllib.parse.urlsplit(self.path)
            query = {
                k: v[0] for k, v in urllib.parse.parse_qs(split.query, keep_blank_values=True).items()
            }
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            req = Request(self.command, urllib.parse.unquote(split.path), query,
                          self.headers, body, self.client_address)
            try:
                status, out, headers = handler(req)
            except Exception as exc:  # a challenge app's bug is a 500, never a dead server
                status, out, headers = 500, f"error: {type(exc).__name__}: {exc}", {}
            data = out.encode() if isinstance(out, str) else out
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_OPTIONS = _go

        def log_message(self, *args):
            pass

    http.server.ThreadingHTTPServer.allow_reuse_address = True
    http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def serve_lines(port, handler, banner=""):
    """A line protocol: handler(line) -> reply text (None closes the connection)."""

    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            if banner:
                self.wfile.write(banner.encode() + b"\n")
            for raw in self.rfile:
                reply = handler(raw.decode("utf-8", "replace").strip())
                if reply is None:
                    return
                self.wfile.write(reply.encode() + b"\n")

    socketserver.ThreadingTCPServer.allow_reuse_address = True
    socketserver.ThreadingTCPServer(("127.0.0.1", port), Handler).serve_forever()
'''
