"""Header values: RFC 2047 decoding, addresses, message ids, read from the raw stored value."""

from __future__ import annotations

import re
from binascii import a2b_qp
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parseaddr
from functools import lru_cache

from .charsets import _C1, decode_bytes, fix_c1

_WS = re.compile(r"\s+")
_SURROGATE = re.compile("[\udc80-\udcff]")


def decode_header_value(value: object) -> str:
    """RFC 2047-decode a header value (also split encoded-words, raw 8-bit)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _decode_str(value)
    return _decode_header_value(value)


@lru_cache(maxsize=4096)
def _decode_str(value: str) -> str:
    """Pure function of the value: memoised (From, To, Reply-To... repeat from mail to mail)."""
    return _decode_header_value(value)


# The usual encoded Subject/From: only =?UTF-8?Q?...?= words (folded or space-separated),
# every '=' starting a hex escape. decode_header would concatenate their bytes (one charset)
# and make_header decode them strictly as UTF-8: done here directly, same text.
_Q_WORD = r"=\?[Uu][Tt][Ff]-8\?[Qq]\?(?:[!-<>@-Z\[\\\]^`-~]|=[0-9A-Fa-f]{2}|_)*\?="  # no bare '=', '?'
_UTF8_Q_WORDS = re.compile(_Q_WORD + r"(?:(?:\r?\n)?[ \t]+" + _Q_WORD + ")*")
_UTF8_Q_PAYLOAD = re.compile(r"=\?[Uu][Tt][Ff]-8\?[Qq]\?([^?]*)\?=")


def _utf8_q(value: str) -> str | None:
    if not _UTF8_Q_WORDS.fullmatch(value):
        return None
    data = b"".join(a2b_qp(p, header=True) for p in _UTF8_Q_PAYLOAD.findall(value))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None  # make_header raises: the general path keeps the raw value


def _decode_header_value(value: object) -> str:
    try:
        if isinstance(value, str) and "=?" not in value:
            text = value
        elif isinstance(value, str) and value.startswith("=?") and \
                (fast := _utf8_q(value)) is not None:
            text = fast
        else:
            text = str(make_header(decode_header(value)))  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - malformed encoded words: keep raw text
        text = str(value)
    if _SURROGATE.search(text):  # surrogate-escaped raw 8-bit
        raw = text.encode("utf-8", "surrogateescape")
        text = decode_bytes(raw, None)
    if _C1.search(text):
        text = fix_c1(text)
    return _WS.sub(" ", text).strip()


def _first_headers(msg: Message) -> dict[str, object]:
    """{lower-cased name: raw value of its first occurrence}, built once per message."""
    idx = msg.__dict__.get("_sellerbot_first_headers")
    if idx is None:
        idx = {}
        for k, v in msg._headers:  # noqa: SLF001 - raw (surrogate-escaped) value
            lk = k.lower()
            if lk not in idx:
                idx[lk] = v
        msg.__dict__["_sellerbot_first_headers"] = idx
    return idx


def header(msg: Message, name: str) -> str:
    """First `name` header, decoded. Reads the raw stored value: compat32's getter would turn
    raw 8-bit bytes into U+FFFD before we can guess their charset."""
    try:
        v = _first_headers(msg).get(name.lower(), _MISSING)
        if v is _MISSING:
            return ""
        return decode_header_value(v)
    except Exception:  # noqa: BLE001
        return ""


_MISSING = object()
_SIMPLE_ADDR = re.compile(r'^\s*(?:("[^"\\]*"|[^"<>,;:@()\\]*?)\s*<([^<>@\s,;"()]+@[^<>@\s,;"()]+)>'
                          r'|([^<>@\s,;"()]+@[^<>@\s,;"()]+))\s*$')


def address(msg: Message, name: str) -> tuple[str | None, str | None]:
    """(display name, lower-cased address) of a single-address header."""
    raw = header(msg, name)
    if not raw:
        return None, None
    return _split_address(raw)


_ANGLE_ADDR = re.compile(r"<([^<>\s@]+@[^<>\s@]+)>\s*$")


@lru_cache(maxsize=4096)
def _split_address(raw: str) -> tuple[str | None, str | None]:
    m = _SIMPLE_ADDR.match(raw)
    angle = _ANGLE_ADDR.search(raw)
    if m:
        disp = (m.group(1) or "").strip().strip('"')
        addr = m.group(2) or m.group(3)
    elif angle:
        # The mailbox is the <angle-addr>; whatever the display name holds (even something
        # shaped like an address, as forgers write it) is only a name.
        disp, addr = raw[:angle.start()].strip().strip('"'), angle.group(1)
    else:
        disp, addr = parseaddr(raw)
    addr = addr.strip().lower() or None
    if addr and "@" not in addr:
        addr = None
    return (disp.strip() or None), addr


def addresses(msg: Message, *names: str) -> tuple[str, ...]:
    return _address_list(tuple(v for v in (header(msg, n) for n in names) if v))


@lru_cache(maxsize=4096)
def _address_list(vals: tuple[str, ...]) -> tuple[str, ...]:
    out = []
    for _disp, addr in getaddresses(list(vals)):
        addr = addr.strip().lower()
        if "@" in addr:
            out.append(addr)
    return tuple(out)


_MSGID = re.compile(r"<[^<>\s]+>")


def message_ids(value: str) -> tuple[str, ...]:
    return tuple(_MSGID.findall(value or ""))


def domain_of(addr: str | None) -> str:
    if not addr or "@" not in addr:
        return ""
    return addr.rsplit("@", 1)[1].strip().strip(">").lower()
