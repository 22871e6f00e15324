"""The service's contract tests, unchanged, on the provider's Swift and Redis.

The same test functions as tests/services/integration (every upstream route, sizes,
ETag/304, HEAD, rejections storing nothing, ids never overwriting), collected here
again with this folder's `stack`: gunicorn and a Celery worker on loopback, their S3
and broker the provider container's. Swift has no conditional PUT, so the id tests
exercise storage.put_new's HEAD-then-PUT path.
"""

import pytest
from test_service_contract import *  # noqa: F403
from test_upload_ids import *  # noqa: F403
from test_upload_rejections import *  # noqa: F403

# After the imports: theirs say `integration`.
pytestmark = pytest.mark.provider
