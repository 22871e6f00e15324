"""The benchmark still runs end to end: every contender in its own process, S3 on moto.

A tiny corpus (the same code as `python -m bench --quick`, smaller images) so this stays
a few seconds; it checks that figures come out, never what they are.
"""

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from bench import corpus, run  # noqa: E402

TINY = corpus.CorpusSpec("smoke", jpegs=1, jpeg_size=(2100, 1400), pngs=1, png_size=(400, 300))


def test_every_contender_reports_figures(tmp_path, capsys):
    if importlib.util.find_spec("pyvips") is None:
        pytest.skip("pyvips is not installed (the [dev] extras install it)")
    if shutil.which("moto_server", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("moto_server is not installed (the [dev] extras install moto[server])")
    files = corpus.ensure_corpus(TINY, tmp_path / "cache", log=lambda _: None)

    results = run.throughput(files, rounds=1, workdir=tmp_path)
    run.report(results, files)

    labels = [label for label, _, _ in run.IN_MEMORY] + [label for label, _ in run.STORED]
    assert sorted(result.label for result in results) == sorted(labels)
    for result in results:
        assert result.images == 2
        assert all(seconds > 0 for seconds in result.seconds)
        assert all(produced > 0 for produced in result.produced_bytes)
        assert result.peak_rss_mib >= result.baseline_rss_mib > 0
    printed = capsys.readouterr().out
    assert "ours (storage excluded)" in printed
    assert "vs upstream" in printed
