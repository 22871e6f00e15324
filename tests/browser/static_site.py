"""The frontend's static files on a loopback HTTP server, as the container would serve them,
with a `/config.json` naming the backend under test."""

from __future__ import annotations

import contextlib
import functools
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parents[2] / "services" / "frontend" / "static"


class _Handler(SimpleHTTPRequestHandler):
    def __init__(self, *args, config: bytes, **kwargs) -> None:
        self.config = config  # before super(): the base class handles the request right away
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        if self.path.split("?")[0] == "/config.json":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(self.config)))
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            self.wfile.write(self.config)
            return
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep pytest's output to the test's own


@contextlib.contextmanager
def serving_frontend(backend_url: str, **config_extra: object) -> Iterator[str]:
    """Yields the base URL (`http://127.0.0.1:<port>`) of the UI talking to `backend_url`
    (more `/config.json` fields in `config_extra`, e.g. `max_upload_bytes`)."""
    config = json.dumps({"endpoint": backend_url, **config_extra}).encode()
    handler = functools.partial(_Handler, directory=str(STATIC_DIR), config=config)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="frontend", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
