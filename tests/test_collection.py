"""The roles ship as an installable Ansible collection, and nothing private ships with them."""

import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROLES = sorted(p.name for p in (ROOT / "roles").iterdir() if p.is_dir())
# What a checkout holds once the lab has run or an operator has worked in it.
PRIVATE = (
    "inventory/",
    "playbooks/",
    "var/",
    "lab/",
    "src/",
    "services/",
    "tests/",
    ".venv/",
    "build/",
)


def test_collection_builds_with_every_role_and_nothing_private(tmp_path):
    # A generated secret as the lab leaves one, made here if the lab has not run.
    secrets = ROOT / "inventory" / "lab" / ".secrets"
    sentinel = secrets / "zz-collection-test.token"
    secrets.mkdir(mode=0o700, exist_ok=True)
    sentinel.write_text("not for the collection\n")
    try:
        subprocess.run(
            [
                str(Path(sys.executable).parent / "ansible-galaxy"),
                "collection",
                "build",
                "--output-path",
                str(tmp_path),
                str(ROOT),
            ],
            check=True,
            capture_output=True,
        )
    finally:
        sentinel.unlink()
    (archive,) = tmp_path.glob("imgr-platform-*.tar.gz")
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    for role in ROLES:
        assert f"roles/{role}/tasks/main.yml" in names
    leaked = [n for n in names if n.startswith(PRIVATE) or ".secrets" in n or "vault" in n.lower()]
    assert not leaked, leaked
