"""What every config section shares: the error type, the strict base model, value checks."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
#: A loopback URL with a port: the only place test-only endpoints may point to.
_LOOPBACK_URL = r"^http://(127\.0\.0\.1|localhost|\[::1\]):\d+"
_HHMM = r"([01]\d|2[0-3]):[0-5]\d"


class ConfigError(Exception):
    """Raised at start: names the file, the key and the problem."""


class Section(BaseModel):
    """A TOML table: an unknown key is an error (a typo must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


Email = Annotated[str, Field(min_length=3)]


def check_email(value: str) -> str:
    """A lower-cased ASCII address, or ValueError saying what is wrong with it."""
    if not EMAIL_RE.match(value):
        raise ValueError(f"not an email address: {value!r}")
    if not value.isascii():
        raise ValueError(f"use the ASCII (punycode) form of the address: {value!r}")
    return value.lower()


def is_loopback_url(value: str, *, path: str) -> bool:
    """`value` is http://127.0.0.1:<port> (or localhost, [::1]) followed by `path` (a regex)."""
    return re.match(_LOOPBACK_URL + path, value) is not None


def check_hhmm(value: str) -> str:
    """'HH:MM' on a 24-hour clock, or ValueError."""
    if not re.match(f"^{_HHMM}$", value):
        raise ValueError("expected 'HH:MM', e.g. '08:00'")
    return value


def is_hhmm_range(value: str) -> bool:
    """'HH:MM-HH:MM' on a 24-hour clock."""
    return re.match(f"^{_HHMM}-{_HHMM}$", value) is not None
