"""Prometheus metrics across processes (gunicorn workers, Celery's prefork pool).

prometheus_client picks its storage when first imported, so the multiprocess directory
must be in the environment before that: call `use_multiprocess_dir()` first thing.
"""

import os
import tempfile
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"


def use_multiprocess_dir(prefix: str) -> str:
    """Make sure every process of this service shares one metrics directory."""
    if not os.environ.get(ENV):
        os.environ[ENV] = tempfile.mkdtemp(prefix=f"{prefix}-metrics-")
    return os.environ[ENV]


def clear_multiprocess_dir() -> None:
    """Forget the files of a previous run (same pids would add up wrongly)."""
    directory = os.environ.get(ENV)
    if directory:
        for path in Path(directory).glob("*.db"):
            path.unlink(missing_ok=True)


def registry():
    """The registry to expose: all processes' values when shared, else this process's."""
    from prometheus_client import REGISTRY, CollectorRegistry, multiprocess

    if not os.environ.get(ENV):
        return REGISTRY

    class SettledFilesCollector(multiprocess.MultiProcessCollector):
        # A process that is just starting has created its file but not yet sized it;
        # reading that empty file raises struct.error. It has no values yet: skip it.
        def collect(self):
            files = Path(self._path).glob("*.db")
            return self.merge([str(f) for f in files if f.stat().st_size > 0], accumulate=True)

    collected = CollectorRegistry()
    SettledFilesCollector(registry=collected)
    return collected


def process_exited(pid: int) -> None:
    if os.environ.get(ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
