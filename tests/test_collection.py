"""The roles ship as an installable Ansible collection."""

import subprocess
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROLES = sorted(p.name for p in (ROOT / "roles").iterdir() if p.is_dir())


def test_collection_builds_with_every_role(tmp_path):
    subprocess.run(
        ["ansible-galaxy", "collection", "build", "--output-path", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (archive,) = tmp_path.glob("imgr-platform-*.tar.gz")
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    for role in ROLES:
        assert f"roles/{role}/tasks/main.yml" in names
    assert not any(n.startswith(("services/", "tests/", ".venv/")) for n in names)
