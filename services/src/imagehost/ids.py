"""Upload ids: 8 characters of [A-Za-z0-9] as upstream, from a cryptographic generator."""

import re
import secrets
import string

ALPHABET = string.ascii_letters + string.digits
LENGTH = 8
_ID_PATTERN = re.compile(rf"[A-Za-z0-9]{{{LENGTH}}}")


def new_id() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def is_valid_id(value: str) -> bool:
    return _ID_PATTERN.fullmatch(value) is not None
