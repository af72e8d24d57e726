"""Bytes -> text for mail bodies and raw 8-bit headers: which charset to believe, and the
windows-1252 characters hiding behind C1 controls. Never raises."""

from __future__ import annotations

import re

# C1 controls never occur in real text: they are windows-1252 bytes (’ € … œ) decoded under an
# iso-8859-1 label (mail clients label cp1252 as latin-1; WHATWG maps the label to cp1252).
_C1 = re.compile("[\x80-\x9f]")
_LATIN1_LABELS = frozenset({"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1",
                            "iso-ir-100", "cp819", "ibm819", "us-ascii", "ascii",
                            "iso-8859-15", "iso8859-15", "latin-9"})


def _c1_char(m: re.Match[str]) -> str:
    try:
        return bytes([ord(m.group(0))]).decode("cp1252")
    except UnicodeDecodeError:
        return m.group(0)


def fix_c1(text: str) -> str:
    """Map C1 control characters back to the windows-1252 characters they stand for."""
    return _C1.sub(_c1_char, text)


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode body bytes: valid UTF-8 wins (mislabelled latin-1), then the label, then cp1252."""
    if not data:
        return ""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if charset:
        cs = charset.strip().strip('"').lower()
        if cs in _LATIN1_LABELS:
            try:
                return data.decode("cp1252")
            except UnicodeDecodeError:
                return fix_c1(data.decode("latin-1"))
        if cs not in ("utf-8", "utf8", "us-ascii", "ascii"):
            try:
                return data.decode(cs)
            except (LookupError, UnicodeDecodeError):
                pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


# Labels whose decode_bytes can only return text (utf-8, then a single-byte table or
# cp1252/latin-1): decoding such a part never raises, so it may be deferred.
_SAFE_LABELS = frozenset({"utf-8", "utf8", "us-ascii", "ascii"}) | _LATIN1_LABELS
