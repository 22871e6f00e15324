"""The benchmark still runs end to end: every contender in its own process, S3 on moto.

A tiny corpus (the same code as `python -m bench --quick`, smaller images) so this stays
a few seconds; it checks that figures come out, never what they are.
"""

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageFilter

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from bench import corpus, quality, run, stages  # noqa: E402

TINY = corpus.CorpusSpec("smoke", jpegs=1, jpeg_size=(2100, 1400), pngs=1, png_size=(400, 300))


def require_pyvips():
    if importlib.util.find_spec("pyvips") is None:
        pytest.skip("pyvips is not installed (the [dev] extras install it)")


def test_every_contender_reports_figures(tmp_path, capsys):
    require_pyvips()
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


def test_quality_is_printed_for_every_format_and_size(tmp_path, capsys):
    require_pyvips()
    files = corpus.ensure_corpus(TINY, tmp_path / "cache", log=lambda _: None)

    quality.report(files)

    printed = capsys.readouterr().out
    for row in ("ours JPEG", "ours PNG", "pyvips cascade JPEG", "upstream PNG"):
        assert row in printed


def test_ssim_is_one_for_the_same_image_and_drops_with_blur():
    require_pyvips()
    image = Image.effect_noise((200, 150), 40).convert("RGB")
    blurred = image.filter(ImageFilter.GaussianBlur(2))
    assert quality.ssim(image, image) == pytest.approx(1.0)
    assert quality.ssim(image, blurred) < 0.9
    assert quality.mean_difference(image, image) == 0
    assert quality.mean_difference(image, blurred) > 1


def test_stages_print_the_floors_and_every_variants_quality(tmp_path, capsys):
    require_pyvips()
    files = corpus.ensure_corpus(TINY, tmp_path / "cache", log=lambda _: None)

    stages.report(files, rounds=1)

    printed = capsys.readouterr().out
    assert "Lanczos to big" in printed
    assert "floors: decode + Lanczos to big alone" in printed
    rows = {line.split("  ")[0]: line for line in printed.splitlines()}
    for name in stages.VARIANTS:
        assert name in rows, name
    # Today against itself: the same pixels at every size.
    assert rows["today (render_sizes)"].count("1.0000/0.0") == 4
