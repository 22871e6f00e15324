"""Why an upload or a request is refused: a reason code, an HTTP status and a message."""


class Rejection(Exception):
    """A client error answered as JSON `{"error": message, "reason": reason}`."""

    def __init__(self, reason: str, status: int, message: str):
        super().__init__(message)
        self.reason = reason
        self.status = status
        self.message = message

    def body(self) -> dict[str, str]:
        return {"error": self.message, "reason": self.reason}


def missing_file() -> Rejection:
    return Rejection("missing_file", 400, "missing file")  # upstream's exact text


def empty_file() -> Rejection:
    return Rejection("empty_file", 400, "the file is empty")


def too_large(limit: int) -> Rejection:
    return Rejection("too_large", 413, f"the file is larger than the limit of {limit} bytes")


def unsupported_format() -> Rejection:
    return Rejection(
        "unsupported_format", 415, "not a supported image (JPEG, PNG, GIF, WebP or AVIF)"
    )


def corrupt_image(detail: str) -> Rejection:
    return Rejection("corrupt_image", 422, f"the image cannot be decoded: {detail}")


def too_many_pixels(pixels: int | None, limit: int) -> Rejection:
    count = "too many pixels" if pixels is None else f"{pixels} pixels"
    return Rejection(
        "too_many_pixels", 422, f"the image has {count}, more than the limit of {limit}"
    )


def unavailable() -> Rejection:
    return Rejection("unavailable", 503, "the service cannot take uploads right now, try again")


def bad_id() -> Rejection:
    return Rejection("bad_id", 400, "malformed image id")


def not_found() -> Rejection:
    return Rejection("not_found", 404, "no such image")


def body_timeout() -> Rejection:
    return Rejection("body_timeout", 408, "the request body did not arrive in time")
