"""The real worker with one of its functions replaced by a bug (`FAULTY_FUNCTION`), for
the path no input reaches: an exception nobody expected. `celery -A faulty_worker`."""

import os

from imagehost import worker


def bug(*args, **kwargs):
    raise RuntimeError(f"a bug in {os.environ['FAULTY_FUNCTION']}")


# Replaced before the pool forks, so every pool process runs the bug.
setattr(worker, os.environ["FAULTY_FUNCTION"], bug)
app = worker.app
