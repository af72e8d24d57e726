"""What a value of each field looks like (order id, ASIN, ids, SKU, quantity, money, text):
a stray match that does not have the shape of its field is never kept."""

from __future__ import annotations

import re

from .money import find_money

_ORDER = re.compile(r"(?<![\d-])(\d{3}-\d{7}-\d{7})(?![\d-])")
_ASIN = re.compile(r"(?<![A-Z0-9])(B0[A-Z0-9]{8}|\d{9}[\dX])(?![A-Z0-9])")
_TOKEN = re.compile(r"^#?\s*([A-Za-z0-9][A-Za-z0-9._/-]{3,39})(?=$|[\s,;)])")
_QTY = re.compile(r"^\s*(\d{1,3})(?!\d|[.,]\d)")
_URLISH = re.compile(r"https?://|www\.", re.IGNORECASE)


def _id_token(v: str) -> str | None:
    """An identifier: one token of letters/digits with at least one digit."""
    m = _TOKEN.match(v.strip())
    if not m:
        return None
    tok = m.group(1).rstrip(".")
    if _ORDER.fullmatch(tok):
        return None
    # ids carry a digit, or are long all-capital codes (Amazon RMAs: "MGVGFDSYKRMA")
    return tok if any(c.isdigit() for c in tok) or (len(tok) >= 8 and tok.isupper()) else None


def _sku(v: str) -> str | None:
    m = _TOKEN.match(v.strip()) or re.match(r"^([A-Za-z0-9][A-Za-z0-9._/-]{0,39})$", v.strip())
    return m.group(1) if m else None


def _text(v: str) -> str | None:
    v = " ".join(v.split()).strip(" |-–")
    if not v or len(v) > 300 or _URLISH.search(v):
        return None
    return v


def _qty(v: str) -> int | None:
    m = _QTY.match(v)
    return int(m.group(1)) if m and 0 < int(m.group(1)) < 1000 else None


def validate(name: str, value: str) -> object | None:
    """The value in the shape of its field, or None: a stray match cannot pass."""
    if not value:
        return None
    if name == "order_id":
        m = _ORDER.search(value)
        return m.group(1) if m else None
    if name == "asin":
        m = _ASIN.search(value.upper())
        return m.group(1) if m else None
    if name in ("rma_id", "return_request_id", "claim_id"):
        return _id_token(value)
    if name == "sku":
        return _sku(value)
    if name == "qty":
        return _qty(value)
    if name in ("price", "amount"):
        return find_money(value)
    return _text(value)
