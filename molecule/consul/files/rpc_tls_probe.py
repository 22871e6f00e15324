"""Knock on a Consul server's RPC port three ways and say how each was received.

Runs on a node against another server's RPC port (8300). Consul reads one byte
first: 0x00 opens plain RPC, 0x03 a TLS connection. Each attempt is "open" (the
server kept the connection and waits for a request) or "refused" (closed it, or
the TLS handshake or first read failed):

    plain        0x00, no TLS                 (refused when verify_incoming_rpc)
    tls_no_cert  0x03, TLS without a client certificate       (refused likewise)
    tls_cert     0x03, TLS with this node's certificate, the server's verified
                 against the CA as server.<dc>.consul       (open: the control)

Prints one JSON object. Bounded: each attempt times out after a few seconds.
"""

import argparse
import json
import socket
import ssl

RPC_CONSUL, RPC_TLS = b"\x00", b"\x03"


def held_open(conn):
    """Whether the server keeps the connection: a read times out instead of ending."""
    conn.settimeout(1.5)
    try:
        return conn.recv(1) != b""
    except TimeoutError:
        return True
    except (OSError, ssl.SSLError):
        return False


def attempt(address, port, first_byte, context=None, server_name=None):
    try:
        with socket.create_connection((address, port), timeout=3) as raw:
            raw.sendall(first_byte)
            if context is None:
                return "open" if held_open(raw) else "refused"
            with context.wrap_socket(raw, server_hostname=server_name) as tls:
                return "open" if held_open(tls) else "refused"
    except (OSError, ssl.SSLError):
        return "refused"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", required=True)
    parser.add_argument("--port", type=int, default=8300)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--server-name", default="server.dc1.consul")
    args = parser.parse_args()

    def context(with_cert):
        ctx = ssl.create_default_context(cafile=args.ca)
        if with_cert:
            ctx.load_cert_chain(args.cert, args.key)
        return ctx

    result = {
        "plain": attempt(args.address, args.port, RPC_CONSUL),
        "tls_no_cert": attempt(args.address, args.port, RPC_TLS, context(False), args.server_name),
        "tls_cert": attempt(args.address, args.port, RPC_TLS, context(True), args.server_name),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
