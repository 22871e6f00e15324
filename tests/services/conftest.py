"""Makes `samples` (test images) importable from the unit and integration folders."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
