"""`make dev` (scripts/up.sh): the whole service from one command, and `stop` ends it all."""

import os
import subprocess
from pathlib import Path

import pytest
import requests
from samples import photo
from stack import free_port, require_binaries, wait_until

pytestmark = pytest.mark.integration

UP = Path(__file__).resolve().parents[3] / "scripts" / "up.sh"


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in state


def test_up_starts_everything_and_stop_ends_it(tmp_path):
    require_binaries("redis-server", "curl")
    ports = {name: free_port() for name in ("BACKEND", "FRONTEND", "REDIS", "S3")}
    env = {f"IMGR_{name}_PORT": str(port) for name, port in ports.items()}
    env |= {"IMGR_WORKER_METRICS_PORT": str(free_port()), "IMGR_VAR_DIR": str(tmp_path)}
    env = {**os.environ, **env}
    backend = f"http://127.0.0.1:{ports['BACKEND']}"
    try:
        started = subprocess.run([UP], env=env, capture_output=True, text=True, timeout=180)
        assert started.returncode == 0, started.stdout + started.stderr
        assert f"http://localhost:{ports['FRONTEND']}/" in started.stdout

        frontend = f"http://127.0.0.1:{ports['FRONTEND']}"
        assert requests.get(frontend + "/config.json", timeout=10).json() == {
            "endpoint": f"http://localhost:{ports['BACKEND']}"
        }
        assert "<html" in requests.get(frontend + "/", timeout=10).text.lower()
        assert requests.get(backend + "/ready", timeout=10).status_code == 200

        upload = requests.post(backend + "/image", files={"file": photo((300, 200))}, timeout=30)
        status_url = backend + upload.json()["status"]
        wait_until(
            lambda: requests.get(status_url, timeout=5).json()["state"] == "ready", "sizes", 60
        )
    finally:
        pids = [int(path.read_text()) for path in (tmp_path / "run").glob("*.pid")]
        stopped = subprocess.run([UP, "stop"], env=env, capture_output=True, text=True, timeout=120)
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert len(pids) == 5
    assert not [pid for pid in pids if alive(pid)]
    with pytest.raises(requests.ConnectionError):
        requests.get(backend + "/health", timeout=5)
