"""The MIME tree of a mail: raw bytes -> Message, content types, and the text bodies worth
reading (first plain part, first HTML part, attached mails, delivery reports).

Everything here is pure and defensive: bad charsets, broken encodings and truncated MIME
degrade to best-effort text, never to an exception. Headers, charsets, HTML, dates and money
live in their own modules; their names stay importable from here.
"""

from __future__ import annotations

from email import message_from_bytes
from email.message import Message
from email.policy import compat32

from .charsets import _LATIN1_LABELS, _SAFE_LABELS, decode_bytes, fix_c1
from .dates import (
    _MONTHS,
    add_calendar_days,
    add_hours,
    find_date,
    parse_date_header,
    parse_loose_datetime,
)
from .fastmime import parse_fast
from .headers import (
    _MISSING,
    _first_headers,
    _split_address,
    address,
    addresses,
    decode_header_value,
    domain_of,
    header,
    message_ids,
)
from .htmltext import (
    HTML_MAX_CHARS,
    HTML_MAX_DEPTH,
    TooComplex,
    check_html_budget,
    html_parse,
    html_to_text,
    html_tree,
    mark_blocks,
    normalize_text,
    unescape,
)
from .money import find_money, to_decimal

__all__ = [
    "HTML_MAX_CHARS", "HTML_MAX_DEPTH", "Bodies", "TooComplex", "_LATIN1_LABELS", "_MONTHS",
    "_split_address", "add_calendar_days", "add_hours", "address", "addresses",
    "check_html_budget", "collect_bodies", "content_type", "decode_bytes",
    "decode_header_value", "domain_of", "find_date", "find_money", "fix_c1", "header",
    "html_parse", "html_to_text", "html_tree", "mark_blocks", "message_ids", "normalize_text",
    "parse_bytes", "parse_date_header", "parse_loose_datetime", "part_text", "to_decimal",
    "unescape",
]

_CT_CACHE: dict[str, tuple[str, str | None]] = {}


def _content_type_uncached(part: Message) -> tuple[str, str | None]:
    try:
        ctype = part.get_content_type()
    except Exception:  # noqa: BLE001
        ctype = "text/plain"
    try:
        charset = part.get_content_charset()
    except Exception:  # noqa: BLE001
        charset = None
    return ctype, charset


def content_type(part: Message) -> tuple[str, str | None]:
    """(part.get_content_type(), part.get_content_charset()), "text/plain" / None where they
    raise. Both are pure functions of the first Content-Type value (the header parameter
    parsing is the slow part), memoised on that raw value when it is plain ASCII."""
    v = _first_headers(part).get("content-type", _MISSING)
    if type(v) is not str or not v.isascii():  # missing (default type), or 8-bit
        return _content_type_uncached(part)
    r = _CT_CACHE.get(v)
    if r is None:
        r = _content_type_uncached(part)
        if len(_CT_CACHE) >= 4096:
            _CT_CACHE.clear()
        _CT_CACHE[v] = r
    return r


def part_text(part: Message, charset: object = _MISSING) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        payload = None
    if payload is None:
        raw = part.get_payload()
        if isinstance(raw, str):
            payload = raw.encode("utf-8", "surrogateescape")
        else:
            return ""
    if isinstance(payload, str):
        payload = payload.encode("utf-8", "surrogateescape")
    if charset is _MISSING:
        charset = content_type(part)[1]
    text = decode_bytes(payload, charset)  # type: ignore[arg-type]
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


class Bodies:
    """The text bodies of a mail. The plain part is decoded on first use when that cannot
    fail (HTML notifications never read it); otherwise, as before, while collecting."""

    __slots__ = ("_plain", "_plain_parts", "html", "is_report", "has_delivery_status",
                 "attached")

    def __init__(self, plain: str = "", html: str = "", is_report: bool = False,
                 has_delivery_status: bool = False, attached: list[Message] | None = None,
                 ) -> None:
        self._plain = plain
        self._plain_parts: list[tuple[Message, str | None]] | None = None
        self.html = html
        self.is_report = is_report
        self.has_delivery_status = has_delivery_status
        self.attached: list[Message] = [] if attached is None else attached

    @property
    def plain(self) -> str:
        parts = self._plain_parts
        if parts is not None:
            self._plain_parts = None
            for part, charset in parts:  # the first text/plain part that is not empty
                self._plain = part_text(part, charset)
                if self._plain:
                    break
        return self._plain

    @plain.setter
    def plain(self, value: str) -> None:
        self._plain_parts = None
        self._plain = value


def collect_bodies(msg: Message) -> Bodies:
    out = Bodies()
    ctype = content_type(msg)[0]
    out.is_report = ctype == "multipart/report"
    stack = [msg]
    seen = 0
    plain_parts: list[tuple[Message, str | None]] = []
    plain_done = False
    while stack and seen < 200:
        part = stack.pop(0)
        seen += 1
        ct, charset = content_type(part)
        if ct == "message/rfc822":
            payload = part.get_payload()
            if isinstance(payload, list) and payload:
                out.attached.append(payload[0])
            continue
        if ct in ("message/delivery-status", "message/global-delivery-status"):
            out.has_delivery_status = True
            continue
        if part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                stack[0:0] = payload
            continue
        disp = str(part.get("Content-Disposition") or "").lower()
        if "attachment" in disp:
            continue
        if ct == "text/plain" and not plain_done:
            if charset is None or charset.strip().strip('"').lower() in _SAFE_LABELS:
                plain_parts.append((part, charset))  # decoded when (if ever) read
            else:
                # may raise while decoding: decode now, with the deferred ones before it,
                # in the order (and with the errors) of an eager walk
                plain_parts.append((part, charset))
                out._plain_parts = plain_parts
                plain_done = bool(out.plain)
                plain_parts = []
                continue
        elif ct == "text/html" and not out.html:
            out.html = part_text(part, charset)
    if plain_parts and not plain_done:
        out._plain_parts = plain_parts
    return out


def parse_bytes(raw: bytes) -> Message:
    """`message_from_bytes(raw, policy=compat32)`; well-formed mails take the fast splitter,
    which builds the very same tree (see fastmime), anything unusual the stdlib parser."""
    try:
        msg = parse_fast(raw)
    except Exception:  # noqa: BLE001 - never worse than the stdlib: let it decide
        msg = None
    if msg is None:
        msg = message_from_bytes(raw, policy=compat32)
    return msg
