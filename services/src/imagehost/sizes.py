"""The sizes every upload is rendered in, and the S3 key layout of the contract."""

# Longest side in pixels; never enlarged, aspect ratio kept.
SIZES: dict[str, int] = {"big": 1024, "medium": 512, "small": 256, "tiny": 128}
ORIGINAL = "original"
ALL_KEYS = (ORIGINAL, *SIZES)


def object_key(size: str, image_id: str) -> str:
    """S3 key of one size of one upload: `<size>/<id>`, as upstream."""
    return f"{size}/{image_id}"
