"""What a client polling an upload sees: which sizes are ready, pending or failed."""

from imagehost.sizes import ORIGINAL, SIZES


def compute_status(image_id: str, present: set[str], failure: str | None) -> dict | None:
    """The status document, from the keys stored for `image_id` (`original`, `big`, …)
    and the worker's failure message if it gave up. None when the upload is unknown."""
    sizes_ready = all(size in present for size in SIZES)
    if not present and failure is None:
        return None
    if sizes_ready:
        state, missing = "ready", "pending"
    elif failure is not None:
        state, missing = "failed", "failed"
    elif ORIGINAL in present:
        state, missing = "pending", "pending"
    else:
        # Sizes without an original: not an upload this service made.
        return None
    return {
        "id": image_id,
        "state": state,
        "sizes": {size: "ready" if size in present else missing for size in SIZES},
        "error": failure if state == "failed" else None,
    }
