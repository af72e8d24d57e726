"""Common MIME helpers: header decoding, body extraction, HTML -> text, dates, money.

Everything here is pure and defensive: bad charsets, broken encodings and truncated
MIME degrade to best-effort text, never to an exception.
"""

from __future__ import annotations

import html as _html
import re
from binascii import a2b_qp
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from functools import lru_cache
from itertools import accumulate
from zoneinfo import ZoneInfo

from selectolax.lexbor import LexborHTMLParser

from bot.core.domain import Money

from .fastmime import parse_fast

# --------------------------------------------------------------------------- headers

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


# --------------------------------------------------------------------------- bodies

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


# Labels whose decode_bytes can only return text (utf-8, then a single-byte table or
# cp1252/latin-1): decoding such a part never raises, so it may be deferred.
_SAFE_LABELS = frozenset({"utf-8", "utf8", "us-ascii", "ascii"}) | _LATIN1_LABELS


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


# --------------------------------------------------------------------------- HTML

_BLOCK = re.compile(
    r"<(?:br|/p|/div|/li|/tr|/h[1-6]|/table|/ul|/ol|/center|hr|/blockquote)\b[^>]*>|<(?:p|li|tr|h[1-6]|div|table|blockquote)\b",
    re.I)


def _ci(word: str) -> str:
    """`word` as case-sensitive classes matching exactly what re.I matches (incl. the Unicode
    folds i~\u0130/\u0131, k~\u212a, s~\u017f): lets the engine use its literal-prefix scan."""
    extra = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}
    return "".join(f"[{c}{c.upper()}{extra.get(c, '')}]" if c.isalpha() else c for c in word)


# Same matches as _BLOCK (same names, same spans, same case folding), grouped by first
# character and captured whole so `split` hands back [text, tag, text, tag, ...].
_BLOCK_SPLIT = re.compile(
    "(<(?:/(?:" + "|".join(map(_ci, ("p", "div", "li", "tr", "table", "ul", "ol", "center",
                                     "blockquote"))) + "|" + _ci("h") + r"[1-6])\b[^>]*>"
    "|(?:" + _ci("br") + "|" + _ci("hr") + r")\b[^>]*>"
    "|(?:" + "|".join(map(_ci, ("p", "li", "tr", "div", "table", "blockquote"))) + "|" +
    _ci("h") + r"[1-6])\b))")
_CELL = re.compile(r"</t[dh]\s*>", re.I)
_INLINE_WS = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")
# == \n{3,}, spelled so that the engine scans for the literal prefix (much faster)
_MULTINL = re.compile(r"\n\n\n+")
_SPACES = re.compile("   *")  # == " {2,}" with a literal prefix to scan for


# Bounded work per mail (issue 15): an HTML5 tree builder walks its stack of open elements
# for many start tags, so its time grows with size x nesting depth (200,000 nested <div>:
# minutes). Real notifications are under 200 KB and a few dozen levels deep; anything past
# these limits is not an Amazon notification and is quarantined as too_complex, unparsed.
HTML_MAX_CHARS = 1_000_000
HTML_MAX_DEPTH = 256


class TooComplex(ValueError):
    """This mail would cost more to parse than any genuine notification: not parsed."""


# Start and end tags that can nest. Void elements and those whose start tag implicitly
# closes the previous one (p, li, td, tr…) do not deepen the tree; comments, doctypes, and
# processing instructions are not tags.
_NESTING_TAG = re.compile(
    r"<(/?)(?!(?:p|li|td|th|tr|dt|dd|option|optgroup|tbody|thead|tfoot|colgroup|col|rp|rt|"
    r"br|img|hr|meta|link|input|area|base|embed|source|track|wbr|param)\b)[a-zA-Z]")


_STEP = {"": 1, "/": -1}


def _deeper(depth: int, step: int) -> int:
    return depth + step if depth + step > 0 else 0  # a stray end tag is ignored, as parsers do


def check_html_budget(html: str) -> None:
    """Raise TooComplex before the parser sees an HTML body too large or too deeply nested.
    Linear: one regex scan, and only when there are more tags than the depth limit."""
    if len(html) > HTML_MAX_CHARS:
        raise TooComplex(f"HTML body of {len(html):,} characters (limit {HTML_MAX_CHARS:,})")
    if html.count("<") <= HTML_MAX_DEPTH:
        return
    steps = list(map(_STEP.__getitem__, _NESTING_TAG.findall(html)))  # +1 open, -1 close
    prefix = list(accumulate(steps))  # C speed; the depth, while no end tag is stray
    depth = max(prefix, default=0)
    if depth <= HTML_MAX_DEPTH and min(prefix, default=0) < 0:
        depth = max(accumulate(steps, _deeper, initial=0))  # stray end tags: the exact way
    if depth > HTML_MAX_DEPTH:
        raise TooComplex(f"HTML nested {depth} levels deep (limit {HTML_MAX_DEPTH})")


def html_tree(html: str) -> LexborHTMLParser:
    check_html_budget(html)
    return LexborHTMLParser(html)


def mark_blocks(html: str) -> str:
    """A newline before every block tag (== _BLOCK.sub("\\n\\g<0>", html), without the
    per-match template expansion), ' | ' before every cell end."""
    parts = _BLOCK_SPLIT.split(html)
    if len(parts) > 1:
        it = iter(parts)
        head = next(it)
        html = "\n".join([head, *[tag + tail for tag, tail in zip(it, it)]])
    if "</t" in html:
        html = html.replace("</td>", " | </td>").replace("</th>", " | </th>")
    return html


def _inside(node, root_id: int) -> bool:  # noqa: ANN001 - selectolax node
    p = node.parent
    while p is not None:
        if p.mem_id == root_id:
            return True
        p = p.parent
    return False


def _has_style_or_script(tree: LexborHTMLParser, root) -> bool:  # noqa: ANN001
    """Any <style>/<script> under `root`? (the usual one sits in <head>: nothing to remove)."""
    rid = root.mem_id
    return any(_inside(n, rid) for n in tree.tags("style")) or \
        any(_inside(n, rid) for n in tree.tags("script"))


def html_parse(html: str) -> tuple[str, LexborHTMLParser]:
    """Parse once; return (linearised text: one line per block, ' | ' between cells, tree)."""
    check_html_budget(html)  # raises TooComplex: never hand the parser a quadratic input
    tree = LexborHTMLParser(mark_blocks(html))
    root = tree.body or tree.root
    if root is None:
        return "", tree
    if _has_style_or_script(tree, root):
        for node in root.css("style, script"):
            node.decompose()
    return normalize_text(root.text(separator="")), tree


def html_to_text(html: str) -> str:
    return html_parse(html)[0]


_NL_WS = re.compile(r" ?\n ?")
_ODD_WS = ("\t", "\f", "\v", "\u00a0", "\u200b")


def normalize_text(text: str) -> str:
    """Runs of [ \\t\\r\\f\\v\\u00a0\\u200b] -> one space, no space around newlines, at most
    one blank line, stripped (same result as the three-regex version, far fewer matches)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for c in _ODD_WS:
        if c in text:
            text = text.replace(c, " ")
    if "  " in text:
        text = _SPACES.sub(" ", text)
    if " " in text:
        text = "\n".join([line.strip(" ") for line in text.split("\n")])
    if "\n\n\n" in text:
        text = _MULTINL.sub("\n\n", text)
    return text.strip()


def unescape(text: str) -> str:
    return _html.unescape(text) if "&" in text else text


# --------------------------------------------------------------------------- dates

_MONTHS = {
    # fr
    "janvier": 1, "janv": 1, "février": 2, "fevrier": 2, "févr": 2, "fevr": 2, "fév": 2, "mars": 3,
    "avril": 4, "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "août": 8, "aout": 8,
    "septembre": 9, "sept": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11,
    "décembre": 12, "decembre": 12, "déc": 12, "dec": 12,
    # en
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sep": 9, "october": 10, "november": 11, "december": 12,
    # de
    "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "maerz": 3, "juni": 6, "juli": 7,
    "oktober": 10, "okt": 10, "dezember": 12, "dez": 12,
    # it
    "gennaio": 1, "gen": 1, "febbraio": 2, "marzo": 3, "aprile": 4, "maggio": 5, "mag": 5,
    "giugno": 6, "giu": 6, "luglio": 7, "lug": 7, "agosto": 8, "ago": 8, "settembre": 9, "set": 9,
    "ottobre": 10, "ott": 10, "dicembre": 12, "dic": 12,
    # es
    "enero": 1, "ene": 1, "febrero": 2, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "septiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
}
_MONTH_RE = "|".join(sorted((re.escape(k) for k in _MONTHS), key=len, reverse=True))
_DATE_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DATE_DMY_NAME = re.compile(
    r"\b(\d{1,2})(?:er|\.|º)?\s+(?:de\s+)?(" + _MONTH_RE + r")\.?\s+(?:de\s+)?(\d{4})\b", re.I)
_DATE_MDY_NAME = re.compile(r"\b(" + _MONTH_RE + r")\.?\s+(\d{1,2}),?\s+(\d{4})\b", re.I)
_DATE_NUM = re.compile(r"\b(\d{1,2})[./](\d{1,2})[./](\d{4})\b")
_TIME = re.compile(r"\b(\d{1,2})[:h](\d{2})(?::(\d{2}))?\b")


def find_date(text: str, *, us: bool = False) -> tuple[int, int, int] | None:
    """First human-written date in `text` as (y, m, d)."""
    best: tuple[int, tuple[int, int, int]] | None = None
    for rx, kind in ((_DATE_ISO, "iso"), (_DATE_DMY_NAME, "dmy"), (_DATE_MDY_NAME, "mdy"),
                     (_DATE_NUM, "num")):
        m = rx.search(text)
        if not m:
            continue
        try:
            if kind == "iso":
                ymd = (int(m[1]), int(m[2]), int(m[3]))
            elif kind == "dmy":
                ymd = (int(m[3]), _MONTHS[m[2].lower()], int(m[1]))
            elif kind == "mdy":
                ymd = (int(m[3]), _MONTHS[m[1].lower()], int(m[2]))
            else:
                a, b = int(m[1]), int(m[2])
                ymd = (int(m[3]), a, b) if us else (int(m[3]), b, a)
            datetime(*ymd)
        except (KeyError, ValueError):
            continue
        if best is None or m.start() < best[0]:
            best = (m.start(), ymd)
    return best[1] if best else None


def parse_date_header(value: str, default_tz: str) -> datetime | None:
    if not value:
        return None
    try:
        dt = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        dt = None
    if dt is None:
        return parse_loose_datetime(value, default_tz)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    try:
        return dt.astimezone(ZoneInfo(default_tz))
    except (OverflowError, ValueError):
        return None


_AT_WORDS = re.compile(r"\s(?:at|à|um|alle|a las|a les)\s", re.I)


_AMPM = re.compile(r"\b(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp])\.?\s*[Mm]\.?(?![a-z])")
_OFFSET = re.compile(r"\b(?:UTC|GMT)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?\b", re.I)
_TIME_FULL = re.compile(r"(?<![\d:])(\d{1,2})[:h](\d{2})(?::(\d{2}))?(?![\d])")


def parse_loose_datetime(value: str, local_tz: str) -> datetime | None:
    """Dates from forwarded headers: RFC 5322 or localized ('samedi 21 novembre 2026 10:14',
    Gmail 'Sat, Nov 21, 2026 at 3:05 PM', Apple Mail '21 novembre 2026 à 12:05:44 UTC+1')."""
    value = value.strip()
    cleaned = _AT_WORDS.sub(" ", value)
    if not _AMPM.search(cleaned):  # parsedate ignores AM/PM: 3:05 PM would become 03:05
        try:
            dt = parsedate_to_datetime(cleaned)
            if dt is not None:
                if dt.tzinfo is None:
                    dt = dt.replace(tzinfo=ZoneInfo(local_tz))
                return dt.astimezone(ZoneInfo(local_tz))
        except (TypeError, ValueError, IndexError, OverflowError):
            pass
    ymd = find_date(cleaned)
    if not ymd:
        return None
    hh = mm = ss = 0
    ap = _AMPM.search(cleaned)
    if ap:
        hh, mm, ss = int(ap[1]), int(ap[2]), int(ap[3] or 0)
        if ap[4].lower() == "p" and hh < 12:
            hh += 12
        elif ap[4].lower() == "a" and hh == 12:
            hh = 0
    else:
        times = list(_TIME_FULL.finditer(cleaned))
        if times:
            tm = times[-1]
            hh, mm, ss = int(tm[1]), int(tm[2]), int(tm[3] or 0)
    try:
        off = _OFFSET.search(cleaned)
        if off:
            delta = timedelta(hours=int(off[2]), minutes=int(off[3] or 0))
            tz = timezone(delta if off[1] == "+" else -delta)
            return datetime(*ymd, hh, mm, ss, tzinfo=tz).astimezone(ZoneInfo(local_tz))
        return datetime(*ymd, hh, mm, ss, tzinfo=ZoneInfo(local_tz))
    except (ValueError, OverflowError):
        return None


def add_hours(dt: datetime, hours: int) -> datetime:
    """Exact elapsed hours (DST-safe), result in dt's zone."""
    return (dt.astimezone(timezone.utc) + timedelta(hours=hours)).astimezone(dt.tzinfo)


def add_calendar_days(dt: datetime, days: int) -> datetime:
    """Same wall-clock time `days` calendar days later in dt's zone."""
    naive = dt.replace(tzinfo=None) + timedelta(days=days)
    return naive.replace(tzinfo=dt.tzinfo)


# --------------------------------------------------------------------------- money

_CUR_SYM = {"€": "EUR", "£": "GBP", "$": "USD", "us$": "USD", "zł": "PLN", "kr": "SEK"}
_NUM = r"\d{1,3}(?:[.,\u00a0\u202f ]\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_MONEY = re.compile(
    r"(?:(?P<pre>€|£|US\$|\$|EUR|GBP|USD|PLN|SEK)\s?(?P<n1>" + _NUM + r"))"
    r"|(?:(?P<n2>" + _NUM + r")\s?(?P<post>€|£|\$|EUR|GBP|USD|PLN|SEK|zł|kr)(?![A-Za-z]))")


def to_decimal(num: str) -> Decimal | None:
    s = num.replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if "," in s and "." in s:
        dec = "," if s.rfind(",") > s.rfind(".") else "."
        thou = "." if dec == "," else ","
        s = s.replace(thou, "").replace(dec, ".")
    elif "," in s or "." in s:
        sep = "," if "," in s else "."
        head, _, tail = s.rpartition(sep)
        if len(tail) == 3:
            s = s.replace(sep, "")  # thousands separator: "1.234", "1,234"
        else:
            s = head.replace(sep, "") + "." + tail
    try:
        return Decimal(s)
    except InvalidOperation:
        return None


def find_money(text: str) -> Money | None:
    for m in _MONEY.finditer(text):
        num = m.group("n1") or m.group("n2")
        cur = (m.group("pre") or m.group("post") or "").upper()
        cur = _CUR_SYM.get(cur.lower(), _CUR_SYM.get(cur, cur))
        val = to_decimal(num)
        if val is not None and cur:
            return Money(val, cur)
    return None
