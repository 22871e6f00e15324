"""The sizes every upload is rendered in, and the S3 key layout of the contract."""

# Longest side in pixels; never enlarged, aspect ratio kept.
SIZES: dict[str, int] = {"big": 1024, "medium": 512, "small": 256, "tiny": 128}
ORIGINAL = "original"
ALL_KEYS = (ORIGINAL, *SIZES)


def object_key(size: str, image_id: str) -> str:
    """S3 key of one size of one upload: `<size>/<id>`, as upstream."""
    return f"{size}/{image_id}"


def fit(size: tuple[int, int], longest_side: int) -> tuple[int, int]:
    """`size` scaled so its longest side is at most `longest_side`; never enlarged."""
    width, height = size
    longest = max(width, height)
    if longest <= longest_side:
        return size
    scale = longest_side / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def dimensions(upright: tuple[int, int]) -> dict[str, dict[str, int]]:
    """Width and height of the original (as displayed, EXIF orientation applied) and of
    every size the worker makes from it."""
    sizes = {ORIGINAL: upright} | {name: fit(upright, side) for name, side in SIZES.items()}
    return {name: {"width": w, "height": h} for name, (w, h) in sizes.items()}
