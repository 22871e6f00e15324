"""How long the worker waits before retrying a task that hit a storage error."""

import random

# 1 s, 2 s, 4 s ... then every 2 minutes at most: about half an hour over 30 retries.
MAX_RETRIES = 30
MAX_BACKOFF_SECONDS = 120


def backoff_seconds(retries: int) -> float:
    """Exponential, capped, and shortened by up to half at random, so that workers that
    failed together (the same outage) do not all come back at the same instant."""
    ceiling = min(MAX_BACKOFF_SECONDS, 2**retries)
    return ceiling * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not a secret
