"""What every request handler shares: configuration, the bucket and the Celery client."""

from dataclasses import dataclass

from celery import Celery
from flask import current_app

from imagehost.config import Config
from imagehost.storage import Storage

EXTENSION = "imagehost"


@dataclass(frozen=True)
class Services:
    config: Config
    storage: Storage
    celery: Celery


def services() -> Services:
    """The current application's services (inside a request or app context)."""
    return current_app.extensions[EXTENSION]
