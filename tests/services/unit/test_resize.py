"""The worker's resize pipeline: sizes, orientation, metadata, formats, errors, determinism."""

import io

import pytest
from imagehost.resize import CorruptImage, Rendition, render_sizes
from imagehost.sizes import SIZES
from PIL import Image, ImageChops, ImageCms, ImageStat
from samples import display_p3_profile, png_from_rows, swapped_inks_cmyk_profile

RED, BLUE = (220, 20, 20), (20, 20, 220)


def photo(width: int, height: int) -> Image.Image:
    """Photo-like content (gradients and noise) so resampling and JPEG have work to do."""
    gradient = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 30).convert("L")
    return Image.merge("RGB", (gradient, noise, gradient.transpose(Image.Transpose.ROTATE_180)))


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    if fmt == "AVIF":
        options.setdefault("speed", 10)  # the fastest encoder setting: keeps the tests quick
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def opened(rendition: Rendition) -> Image.Image:
    image = Image.open(io.BytesIO(rendition.body))
    image.load()
    return image


def two_halves(width: int, height: int, left, right, mode: str = "RGB") -> Image.Image:
    """Left half one colour, right half another: shows where a rotation put things."""
    image = Image.new(mode, (width, height), left)
    image.paste(right, (width // 2, 0, width, height))
    return image


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / len(a.getbands())


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((4000, 3000), [(1024, 768), (512, 384), (256, 192), (128, 96)]),
        ((3000, 4000), [(768, 1024), (384, 512), (192, 256), (96, 128)]),
        ((2500, 1000), [(1024, 410), (512, 205), (256, 102), (128, 51)]),
        ((300, 200), [(300, 200), (300, 200), (256, 171), (128, 85)]),
        ((100, 80), [(100, 80)] * 4),
        ((4000, 3), [(1024, 1), (512, 1), (256, 1), (128, 1)]),
    ],
    ids=["landscape", "portrait", "panorama", "smaller-than-big", "tiny-original", "sliver"],
)
def test_sizes_keep_aspect_and_never_enlarge(size, expected):
    renditions = render_sizes(encoded(photo(*size), "JPEG", quality=90))

    assert [r.name for r in renditions] == list(SIZES)
    assert [(r.width, r.height) for r in renditions] == expected
    assert [opened(r).size for r in renditions] == expected


def test_jpeg_is_progressive_at_the_biggest_size_only():
    """Progressive costs 2-2.5x the encode time for 1-3.5% fewer bytes: worth it where
    the bytes and the progressive display count (bench/README.md, issue 9)."""
    renditions = render_sizes(encoded(photo(2000, 1500), "JPEG", quality=90))

    progressive = {r.name: bool(opened(r).info.get("progressive")) for r in renditions}
    assert progressive == {"big": True, "medium": False, "small": False, "tiny": False}


def test_quality_close_to_pillow_thumbnail():
    original = photo(4000, 3000)
    data = encoded(original, "JPEG", quality=95)
    renditions = render_sizes(data)

    for rendition in renditions:
        reference = Image.open(io.BytesIO(data))
        reference.thumbnail((SIZES[rendition.name], SIZES[rendition.name]))
        assert opened(rendition).size == reference.size
        # Grain differs pixel by pixel between filters (ours: 1-3.5 levels); a nearest-
        # neighbour resize, for comparison, is 13 levels away.
        assert mean_difference(opened(rendition), reference) < 5, rendition.name


GREEN, YELLOW = (20, 200, 20), (230, 220, 20)


def quadrants(width: int, height: int) -> Image.Image:
    """Red, blue / green, yellow: every flip and rotation gives a different picture."""
    image = Image.new("RGB", (width, height), RED)
    image.paste(BLUE, (width // 2, 0, width, height // 2))
    image.paste(GREEN, (0, height // 2, width // 2, height))
    image.paste(YELLOW, (width // 2, height // 2, width, height))
    return image


# The EXIF orientations as the standard defines them, written out by hand: the corners
# (top left, top right, bottom left, bottom right) of the upright image.
UPRIGHT_CORNERS = {
    1: (RED, BLUE, GREEN, YELLOW),
    2: (BLUE, RED, YELLOW, GREEN),  # mirrored left-right
    3: (YELLOW, GREEN, BLUE, RED),  # rotated 180
    4: (GREEN, YELLOW, RED, BLUE),  # mirrored top-bottom
    5: (RED, GREEN, BLUE, YELLOW),  # transposed (mirrored along the main diagonal)
    6: (GREEN, RED, YELLOW, BLUE),  # rotated 90 clockwise
    7: (YELLOW, BLUE, GREEN, RED),  # transversed (mirrored along the other diagonal)
    8: (BLUE, YELLOW, RED, GREEN),  # rotated 90 counter-clockwise
}


@pytest.mark.parametrize("orientation", sorted(UPRIGHT_CORNERS))
def test_exif_orientation_is_applied(orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encoded(quadrants(300, 200), "JPEG", quality=95, exif=exif)

    for rendition in render_sizes(data):
        image = opened(rendition).convert("RGB")
        width, height = image.size
        assert (width < height) == (orientation >= 5), rendition.name
        corners = [(2, 2), (width - 3, 2), (2, height - 3), (width - 3, height - 3)]
        for corner, colour in zip(corners, UPRIGHT_CORNERS[orientation], strict=True):
            assert close(image.getpixel(corner), colour), (rendition.name, corner)


def test_exif_orientation_with_dct_scaling():
    exif = Image.Exif()
    exif[0x0112] = 6
    data = encoded(photo(4000, 3000), "JPEG", quality=85, exif=exif)

    assert [(r.width, r.height) for r in render_sizes(data)] == [
        (768, 1024),
        (384, 512),
        (192, 256),
        (96, 128),
    ]


def close(pixel, colour, tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


def with_metadata(fmt: str) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "ACME Camera"  # Make
    exif[0x0112] = 1
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image = photo(600, 400)
    if fmt == "PNG":
        from PIL import PngImagePlugin

        text = PngImagePlugin.PngInfo()
        text.add_text("Comment", "secret location")
        return encoded(image, fmt, exif=exif, icc_profile=icc, pnginfo=text)
    if fmt == "JPEG":
        return encoded(image, fmt, exif=exif, icc_profile=icc, comment=b"secret location")
    return encoded(image, fmt, exif=exif, icc_profile=icc, xmp=b"<x:xmpmeta/>")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "AVIF"])
def test_metadata_is_stripped(fmt):
    data = with_metadata(fmt)
    assert Image.open(io.BytesIO(data)).info.get("icc_profile")

    for rendition in render_sizes(data):
        image = opened(rendition)
        assert not image.getexif(), rendition.name
        leaked = {"exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment", "Comment"}
        assert not leaked & set(image.info), (rendition.name, set(image.info))
        assert b"secret location" not in rendition.body
        assert b"ACME" not in rendition.body


def test_colours_survive_profile_conversion():
    """An sRGB-tagged original is converted to (untagged) sRGB: colours stay the same."""
    data = with_metadata("JPEG")
    reference = Image.open(io.BytesIO(data))
    reference.thumbnail((1024, 1024))
    assert mean_difference(opened(render_sizes(data)[0]), reference) < 8


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp"), ("AVIF", "image/avif")],
)
def test_format_and_content_type_follow_the_original(fmt, content_type):
    renditions = render_sizes(encoded(photo(1500, 1000), fmt))

    for rendition in renditions:
        assert rendition.content_type == content_type
        assert opened(rendition).format == fmt


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_alpha_is_kept(fmt):
    image = two_halves(1600, 1200, (200, 0, 0, 255), (0, 0, 0, 0), mode="RGBA")
    renditions = render_sizes(
        encoded(image, fmt, lossless=True) if fmt == "WEBP" else encoded(image, fmt)
    )

    for rendition in renditions:
        out = opened(rendition)
        assert out.mode == "RGBA"
        width, height = out.size
        assert out.getpixel((1, 1))[3] == 255
        assert out.getpixel((width - 2, height - 2))[3] == 0
        # Premultiplied resampling: no dark fringe bleeding from the transparent black half.
        assert out.getpixel((1, 1))[0] > 190


def test_palette_png_with_transparency_keeps_it():
    image = two_halves(400, 300, (0, 200, 0, 255), (0, 0, 0, 0), mode="RGBA")
    data = encoded(image.convert("P", palette=Image.Palette.ADAPTIVE, colors=4), "PNG")
    image = Image.open(io.BytesIO(data))
    # Adaptive palettes drop alpha; mark index of the transparent half as transparent.
    transparent_index = image.getpixel((399, 299))
    data = encoded(image, "PNG", transparency=transparent_index)

    out = opened(render_sizes(data)[-1])
    assert out.mode == "RGBA"
    assert out.getpixel((out.width - 1, out.height - 1))[3] == 0


def animated_gif(frames: int = 3) -> bytes:
    colours = [RED, BLUE, (20, 220, 20)]
    images = [Image.new("RGB", (600, 400), colours[i % 3]) for i in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, "GIF", save_all=True, append_images=images[1:], duration=100, loop=0)
    return buffer.getvalue()


def test_animated_gif_gives_still_pngs_of_the_first_frame():
    data = animated_gif()
    assert Image.open(io.BytesIO(data)).n_frames == 3

    renditions = render_sizes(data)

    assert [(r.width, r.height) for r in renditions] == [
        (600, 400),
        (512, 341),
        (256, 171),
        (128, 85),
    ]
    for rendition in renditions:
        assert rendition.content_type == "image/png"
        image = opened(rendition)
        assert image.format == "PNG"
        assert not getattr(image, "is_animated", False)
        assert close(image.convert("RGB").getpixel((10, 10)), RED, tolerance=10)


def test_transparent_gif_keeps_transparency():
    image = Image.new("P", (300, 200), 0)
    image.putpalette([255, 0, 0, 0, 0, 0] + [0] * 762)
    image.paste(1, (150, 0, 300, 200))
    data = encoded(image, "GIF", transparency=1)

    out = opened(render_sizes(data)[0])
    assert out.mode == "RGBA"
    assert out.getpixel((299, 199))[3] == 0
    assert out.getpixel((0, 0)) == (255, 0, 0, 255)


@pytest.mark.parametrize(
    ("mode", "expected_mode"),
    [("CMYK", "RGB"), ("L", "L")],
)
def test_jpeg_modes(mode, expected_mode):
    data = encoded(photo(800, 600).convert(mode), "JPEG")

    for rendition in render_sizes(data):
        assert opened(rendition).mode == expected_mode
        assert rendition.content_type == "image/jpeg"


def test_sixteen_bit_greyscale_png_is_scaled_not_clipped():
    gradient = Image.linear_gradient("L").resize((512, 512)).convert("I")
    data = encoded(gradient.point(lambda value: value * 257).convert("I;16"), "PNG")

    out = opened(render_sizes(data)[0])
    assert out.mode == "L"
    low, high = out.getextrema()
    assert low < 10
    assert high > 245


def jpeg() -> bytes:
    return encoded(photo(1200, 900), "JPEG", quality=90)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not an image at all",
        jpeg()[:5000],
        jpeg()[:-5000],
        encoded(photo(100, 100), "PNG")[:-200],
        encoded(photo(100, 100), "BMP"),
        encoded(photo(100, 100), "TIFF"),
        b"GIF89a" + b"\x00" * 50,
    ],
    ids=[
        "empty",
        "garbage",
        "header-only",
        "truncated-jpeg",
        "truncated-png",
        "bmp",
        "tiff",
        "bad-gif",
    ],
)
def test_undecodable_input_raises_corrupt_image(data):
    with pytest.raises(CorruptImage):
        render_sizes(data)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_more_pixels_than_the_limit_is_refused(monkeypatch):
    data = encoded(photo(400, 300), "PNG")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 400 * 300 - 1)

    with pytest.raises(CorruptImage, match="pixels"):
        render_sizes(data)


def test_decompression_bomb_is_refused_without_decoding(monkeypatch):
    # Over twice the limit: refused from the header. Its pixel data is garbage, so had
    # it been decoded the error would be about the data, not the size.
    data = png_from_rows(1000, 1000, b"", idat=b"\x78\x9c" + b"garbage" * 20)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)

    with pytest.raises(CorruptImage, match="exceeds limit") as refused:
        render_sizes(data)
    assert "decode" not in str(refused.value)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "AVIF", "GIF"])
def test_output_is_deterministic(fmt):
    image = photo(1400, 1000)
    data = encoded(image.convert("P") if fmt == "GIF" else image, fmt)

    assert render_sizes(data) == render_sizes(data)


def test_multi_picture_jpeg_from_cameras_is_a_jpeg():
    first, second = photo(3000, 2000), Image.new("RGB", (3000, 2000), BLUE)
    data = encoded(first, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(data)).format == "MPO"

    renditions = render_sizes(data)

    assert (renditions[0].width, renditions[0].height) == (1024, 683)
    assert {r.content_type for r in renditions} == {"image/jpeg"}
    assert opened(renditions[0]).format == "JPEG"


def test_colour_key_transparency_becomes_alpha():
    image = two_halves(300, 200, (200, 0, 0), (10, 20, 30))
    data = encoded(image, "PNG", transparency=(10, 20, 30))

    out = opened(render_sizes(data)[0])
    assert out.mode == "RGBA"
    assert out.getpixel((0, 0)) == (200, 0, 0, 255)
    assert out.getpixel((299, 199))[3] == 0


def test_wide_gamut_profile_is_converted_to_srgb():
    """Display P3 green is not sRGB green: a skipped conversion shows."""
    colour = (60, 160, 60)
    profile = display_p3_profile()
    data = encoded(Image.new("RGB", (400, 300), colour), "PNG", icc_profile=profile)
    expected = ImageCms.profileToProfile(
        Image.new("RGB", (1, 1), colour),
        ImageCms.ImageCmsProfile(io.BytesIO(profile)),
        ImageCms.createProfile("sRGB"),
    ).getpixel((0, 0))
    assert not close(expected, colour, tolerance=20)  # the profile matters for this colour

    for rendition in render_sizes(data):
        out = opened(rendition)
        assert "icc_profile" not in out.info
        assert close(out.getpixel((5, 5)), expected, tolerance=2), rendition.name


def test_cmyk_jpeg_is_converted_through_its_profile():
    """The profile prints cyan ink as yellow and magenta + yellow inks as blue; Pillow's
    own CMYK->RGB, what a skipped or naive conversion gives, says cyan and red."""
    image = Image.new("CMYK", (400, 300), (255, 0, 0, 0))  # cyan ink
    image.paste((0, 255, 255, 0), (200, 0, 400, 300))  # magenta + yellow inks
    assert image.convert("RGB").getpixel((0, 0)) == (0, 255, 255)
    assert image.convert("RGB").getpixel((399, 0)) == (255, 0, 0)
    data = encoded(image, "JPEG", icc_profile=swapped_inks_cmyk_profile(), quality=95)

    for rendition in render_sizes(data):
        out = opened(rendition)
        assert out.mode == "RGB"
        assert "icc_profile" not in out.info
        assert close(out.getpixel((2, 2)), (255, 255, 0), tolerance=3), rendition.name
        right = (out.width - 3, out.height - 3)
        assert close(out.getpixel(right), (0, 0, 255), tolerance=3), rendition.name


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "AVIF"])
def test_animation_gives_still_sizes_of_its_first_frame(fmt):
    first, second = Image.new("RGB", (400, 300), RED), Image.new("RGB", (400, 300), BLUE)
    data = encoded(first, fmt, save_all=True, append_images=[second], duration=100)
    assert getattr(Image.open(io.BytesIO(data)), "n_frames", 1) == 2

    for rendition in render_sizes(data):
        out = opened(rendition)
        assert getattr(out, "n_frames", 1) == 1, rendition.name
        assert close(out.convert("RGB").getpixel((10, 10)), RED), rendition.name


def test_sixteen_bit_rgb_png_keeps_its_colours():
    import struct
    import zlib

    # Pillow writes no 16-bit RGB PNG: rows of (R, G, B) = (200, 100, 30) x 257 by hand.
    width, height = 300, 200
    row = b"\0" + struct.pack(">HHH", 200 * 257, 100 * 257, 30 * 257) * width
    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
    data += chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b"")

    for rendition in render_sizes(data):
        out = opened(rendition)
        assert out.mode == "RGB", rendition.name
        assert close(out.getpixel((3, 3)), (200, 100, 30), tolerance=1), rendition.name
