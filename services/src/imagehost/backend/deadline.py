"""A deadline for receiving a request's body, so a client that dribbles or stalls an
upload is cut off instead of holding the backend's resources for ever.

It needs gunicorn's gevent worker: a `gevent.Timeout` interrupts the blocked read at
the deadline wherever it is (a socket timeout would restart with every byte a
dribbling client sends). Elsewhere (Flask's test client, the development server) the
application runs without it.
"""

import contextlib
import socket
import time

from imagehost import errors


def gevent_is_active() -> bool:
    with contextlib.suppress(ImportError):
        from gevent import monkey

        return monkey.is_module_patched("socket")
    return False


class BodyDeadline:
    """WSGI middleware: the whole body must arrive within `seconds` of the request's start."""

    def __init__(self, app, seconds: float):
        self.app = app
        self.seconds = seconds

    def __call__(self, environ, start_response):
        if self.seconds > 0 and "wsgi.input" in environ:
            deadline = time.monotonic() + self.seconds
            environ["wsgi.input"] = DeadlineInput(
                environ["wsgi.input"], deadline, environ.get("gunicorn.socket")
            )
        return self.app(environ, start_response)


class DeadlineInput:
    """A file-like `wsgi.input` whose reads fail with 408 once the deadline has passed."""

    def __init__(self, stream, deadline: float, sock: socket.socket | None):
        self.stream = stream
        self.deadline = deadline
        self.sock = sock

    def read(self, *args):
        return self._call(self.stream.read, *args)

    def readline(self, *args):
        return self._call(self.stream.readline, *args)

    def readlines(self, *args):
        return self._call(self.stream.readlines, *args)

    def __iter__(self):
        while line := self.readline():
            yield line

    def _call(self, method, *args):
        import gevent

        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            self._give_up()
        timer = gevent.Timeout(remaining)
        try:
            with timer:
                return method(*args)
        except gevent.Timeout as expired:
            if expired is not timer:
                raise
            self._give_up()

    def _give_up(self):
        # Nothing more is read from this client: gunicorn would otherwise try to read
        # (discard) the rest of the body before the next request on the connection.
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RD)
        raise errors.body_timeout()
