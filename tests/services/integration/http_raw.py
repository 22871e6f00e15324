"""Send a request byte by byte, to see what the server does before the body is all there."""

import contextlib
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit


def post_raw(url: str, headers: dict[str, str], body: Iterable[bytes]) -> tuple[int, bytes]:
    """POST with exactly these headers and body chunks; (status, response bytes).

    Stops sending as soon as the server answers or closes: a server that refuses the
    body early is not blamed for the client's broken pipe.
    """
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        head = f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        sock.sendall((head + "\r\n").encode())
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for chunk in body:
                sock.sendall(chunk)
        received = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                received += chunk
    status = int(received.split(b" ", 2)[1]) if received else 0
    return status, received


def multipart(field: str, filename: str) -> tuple[str, bytes, bytes]:
    """(content type, the part's head, its tail) for one file field of a form."""
    boundary = "imagehostboundary7d3f"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
        f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", head, tail
