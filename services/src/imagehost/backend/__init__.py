"""The HTTP backend: `gunicorn 'imagehost.backend:create_app()'`."""

from imagehost.backend.app import create_app

__all__ = ["create_app"]
