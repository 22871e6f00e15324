"""The ways of turning one original into the four sizes that the benchmark compares.

Each contender takes the original's bytes and returns the total bytes it produced
(so the work cannot be optimised away and output sizes can be compared).
"""

import io

from imagehost.resize import render_sizes
from imagehost.sizes import SIZES, fit, object_key


def ours(data: bytes) -> int:
    return sum(map(len, ours_sizes(data)))


def ours_sizes(data: bytes) -> list[bytes]:
    """Our worker's pipeline: one decode (DCT-scaled), then a cascade of resizes."""
    return [rendition.body for rendition in render_sizes(data)]


def upstream(data: bytes) -> int:
    return sum(map(len, upstream_sizes(data)))


def upstream_sizes(data: bytes) -> list[bytes]:
    """The original course worker: one job per size, each decoding the full original
    and calling `thumbnail`, saved in the source format with Pillow's defaults."""
    from PIL import Image

    bodies = []
    for size in SIZES.values():
        image = Image.open(io.BytesIO(data))
        image.thumbnail((size, size))
        buffer = io.BytesIO()
        image.save(buffer, image.format or "PNG")
        bodies.append(buffer.getvalue())
    return bodies


def pyvips_thumbnail(data: bytes) -> int:
    """libvips as a user might use it: `thumbnail_buffer` (shrink-on-load) per size,
    saved in the source format with settings matching ours (JPEG q85, metadata stripped)."""
    import pyvips

    produced = 0
    for size in SIZES.values():
        image = pyvips.Image.thumbnail_buffer(data, size)
        if image.get("vips-loader").startswith("jpeg"):
            body = image.jpegsave_buffer(Q=85, optimize_coding=True, interlace=True, strip=True)
        else:
            body = image.pngsave_buffer(compression=6, strip=True)
        produced += len(body)
    return produced


def pyvips_cascade(data: bytes) -> int:
    return sum(map(len, pyvips_cascade_sizes(data)))


def pyvips_cascade_sizes(data: bytes) -> list[bytes]:
    """libvips done well: shrink-on-load to the biggest size once, then each smaller size
    from the previous one (the cascade ours does), same encoder settings."""
    import pyvips

    bodies = []
    image = None
    for size in SIZES.values():
        if image is None:
            image = pyvips.Image.thumbnail_buffer(data, size)
            loader = image.get("vips-loader")
        else:
            image = image.thumbnail_image(size)
        # Materialise the size: the next one is made from its pixels, not from the file.
        image = image.copy_memory()
        if loader.startswith("jpeg"):
            body = image.jpegsave_buffer(Q=85, optimize_coding=True, interlace=True, strip=True)
        else:
            body = image.pngsave_buffer(compression=3, strip=True)
        bodies.append(body)
    return bodies


def decode_alone(data: bytes) -> int:
    """The floor: only the decode our pipeline does (JPEG DCT-scaled to the smallest
    scale still covering the biggest size, e.g. 1/4 for 24 megapixels), nothing else.
    Returns the decoded bytes."""
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    if image.format == "JPEG":
        image.draft(None, fit(image.size, max(SIZES.values())))
    image.load()
    return image.width * image.height * len(image.getbands())


class StoredOurs:
    """Our pipeline with storage: download the original once, upload the four sizes."""

    def __init__(self, s3, bucket: str):
        self.s3, self.bucket = s3, bucket

    def __call__(self, image_id: str) -> int:
        original = self.s3.get_object(Bucket=self.bucket, Key=object_key("original", image_id))
        produced = 0
        for rendition in render_sizes(original["Body"].read()):
            self.s3.put_object(
                Bucket=self.bucket,
                Key=object_key(rendition.name, image_id),
                Body=rendition.body,
                ContentType=rendition.content_type,
            )
            produced += len(rendition.body)
        return produced


class StoredUpstream:
    """The upstream jobs with storage: each of the four downloads the original again."""

    def __init__(self, s3, bucket: str):
        self.s3, self.bucket = s3, bucket

    def __call__(self, image_id: str) -> int:
        from PIL import Image

        produced = 0
        for name, size in SIZES.items():
            original = self.s3.get_object(Bucket=self.bucket, Key=object_key("original", image_id))
            image = Image.open(io.BytesIO(original["Body"].read()))
            image.thumbnail((size, size))
            buffer = io.BytesIO()
            image.save(buffer, image.format or "PNG")
            self.s3.put_object(
                Bucket=self.bucket,
                Key=object_key(name, image_id),
                Body=buffer.getvalue(),
                ContentType=original["ContentType"],
            )
            produced += len(buffer.getvalue())
        return produced
