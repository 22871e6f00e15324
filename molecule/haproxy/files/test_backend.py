"""A small HTTP backend for the haproxy scenario, naming the node it runs on.

GET /health answers "ok" (HAProxy's health check); GET /image/slow waits
SLOW_SECONDS first, to hold a request in flight across a reload; any other
path answers "served by <node>:<port> proto=<X-Forwarded-Proto>
xff=<X-Forwarded-For>" (the port tells two instances on one node apart).
"""

import socket
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NODE = socket.gethostname()
SLOW_SECONDS = 3


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            body = "ok"
        else:
            if self.path.startswith("/image/slow"):
                time.sleep(SLOW_SECONDS)
            port = self.server.server_address[1]
            proto = self.headers.get("X-Forwarded-Proto", "-")
            xff = self.headers.get("X-Forwarded-For", "-")
            body = f"served by {NODE}:{port} proto={proto} xff={xff}"
        data = f"{body}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        """Health checks every 2 s are not worth a journal line."""


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    # Every interface: HAProxy on the other node connects to it too.
    ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()  # noqa: S104
