from imagehost.sizes import SIZES
from imagehost.status import compute_status

ALL_SIZES = set(SIZES)


def test_unknown_upload_has_no_status():
    assert compute_status("abcdefgh", set(), None) is None


def test_sizes_without_an_original_are_not_an_upload():
    assert compute_status("abcdefgh", {"big"}, None) is None


def test_just_uploaded_is_pending():
    status = compute_status("abcdefgh", {"original"}, None)
    assert status == {
        "id": "abcdefgh",
        "state": "pending",
        "sizes": {size: "pending" for size in SIZES},
        "error": None,
    }


def test_partly_rendered_is_pending_with_ready_sizes():
    status = compute_status("abcdefgh", {"original", "big", "medium"}, None)
    assert status["state"] == "pending"
    assert status["sizes"] == {
        "big": "ready",
        "medium": "ready",
        "small": "pending",
        "tiny": "pending",
    }


def test_every_size_stored_is_ready():
    status = compute_status("abcdefgh", {"original", *ALL_SIZES}, None)
    assert status["state"] == "ready"
    assert set(status["sizes"].values()) == {"ready"}
    assert status["error"] is None


def test_failure_marks_missing_sizes_failed():
    status = compute_status("abcdefgh", {"original"}, "cannot decode image")
    assert status["state"] == "failed"
    assert set(status["sizes"].values()) == {"failed"}
    assert status["error"] == "cannot decode image"


def test_complete_sizes_win_over_an_old_failure():
    # A re-run that succeeded after a failure was recorded: the sizes are there.
    status = compute_status("abcdefgh", {"original", *ALL_SIZES}, "earlier failure")
    assert status["state"] == "ready"
    assert status["error"] is None
