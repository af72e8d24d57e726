"""A fast MIME splitter for well-formed messages: the same compat32 `Message` tree as
`email.message_from_bytes(raw, policy=compat32)`, or None when anything is unusual.

The stdlib feed parser walks the message one line at a time through a generator stack; for
the common shape (plain headers, a blank separator line, text leaves and multiparts whose
boundaries are all present) the same tree can be built with a few string searches. Every
rule below mirrors one branch of `email.feedparser.FeedParser._parsegen` for the defect-free
path; any input that would take another branch (a defect, a unix-from line, message/* parts,
multipart/digest, lone CR line ends, missing or doubled boundaries...) returns None and the
caller uses the stdlib parser, so the result is always the stdlib's.
"""

from __future__ import annotations

import re
from email.message import Message
from email.policy import compat32

# One header field: name (RFC 5322 ftext, as feedparser.headerRE), ':', value up to the end
# of the line, then continuation lines (starting with SP/HT). Lines end in \n or \r\n (a lone
# CR makes the caller fall back).
_HDR = re.compile(r"([\041-\071\073-\176]+):[ \t]*([^\n]*\n?(?:[ \t][^\n]*\n?)*)")
_MAX_DEPTH = 8


def _new() -> Message:
    return Message(policy=compat32)


def _headers(msg: Message, text: str, pos: int, end: int) -> int | None:
    """Parse the header block at text[pos:end] into msg; return where the body starts (after
    the blank separator line), `end` when the block runs to the end, None when unusual."""
    append = msg._headers.append  # noqa: SLF001 - exactly what Message.set_raw does
    match = _HDR.match
    while pos < end:
        m = match(text, pos, end)
        if m is None:
            break
        value = m.group(2)
        if value and value[-1] in "\r\n":
            value = value.rstrip("\r\n")
        append((m.group(1), value))
        pos = m.end()
    if pos >= end:
        return end
    c = text[pos]
    if c == "\n":
        return pos + 1
    if c == "\r" and text.startswith("\r\n", pos):
        return pos + 2
    return None  # MissingHeaderBodySeparatorDefect, continuation first line, 'From '...


def _boundary_lines(text: str, sep: str, pos: int, end: int):  # noqa: ANN202
    """(start, end_of_line, is_close) of every line of text[pos:end] that feedparser's
    boundary regex matches: sep, optional '--', [ \\t]*, optional line end, end of line."""
    n = len(sep)
    i = text.find(sep, pos, end)
    while i >= 0:
        if i == pos or text[i - 1] == "\n":
            k = i + n
            close = text.startswith("--", k, end)
            if close:
                k += 2
            while k < end and text[k] in " \t":
                k += 1
            if k >= end:
                yield i, end, close
            elif text[k] == "\n":
                yield i, k + 1, close
            elif text[k] == "\r" and k + 1 < end and text[k + 1] == "\n":
                yield i, k + 2, close
        i = text.find(sep, i + 1, end)


def _strip_eol(s: str) -> str:
    if s.endswith("\n"):
        return s[:-2] if s.endswith("\r\n") else s[:-1]
    return s


def _part(text: str, pos: int, end: int, depth: int) -> Message | None:
    msg = _new()
    body = _headers(msg, text, pos, end)
    if body is None:
        return None
    maintype = msg.get_content_maintype()
    if maintype == "message" or depth > _MAX_DEPTH:
        return None
    if maintype != "multipart":
        msg._payload = text[body:end]  # noqa: SLF001 - set_payload(str) stores it as is
        return msg
    if msg.get_content_type() == "multipart/digest":
        return None  # children default to message/rfc822
    boundary = msg.get_boundary()
    if not boundary:
        return None
    if str(msg.get("content-transfer-encoding", "8bit")).lower() not in ("7bit", "8bit",
                                                                         "binary"):
        return None
    lines = []
    for line in _boundary_lines(text, "--" + boundary, body, end):
        lines.append(line)
        if line[2]:
            break  # the rest is epilogue
    if len(lines) < 2 or lines[0][2]:
        return None  # no start boundary / closes before any part
    first = lines[0][0]
    if first > body:
        msg.preamble = _strip_eol(text[body:first])
    parts: list[Message] = []
    for (_s, line_end, close), (nxt, _e, _c) in zip(lines, lines[1:]):
        if nxt == line_end:
            return None  # doubled boundary lines are swallowed by feedparser
        sub = _part(text, line_end, nxt, depth + 1)
        if sub is None:
            return None
        if isinstance(sub._payload, list):  # noqa: SLF001
            epi = sub.epilogue
            if epi == "":
                sub.epilogue = None
            elif epi is not None:
                sub.epilogue = _strip_eol(epi)
        else:
            sub._payload = _strip_eol(sub._payload)  # noqa: SLF001
        parts.append(sub)
    last_start, last_end, last_close = lines[-1]
    if not last_close:
        return None  # CloseBoundaryNotFoundDefect
    msg._payload = parts  # noqa: SLF001 - what attach() builds
    msg.epilogue = text[last_end:end]
    return msg


def parse_fast(raw: bytes) -> Message | None:
    """compat32 Message tree of `raw`, identical to the stdlib's, or None (use the stdlib)."""
    text = raw.decode("ascii", "surrogateescape")
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None
    if text.startswith("From "):
        return None
    return _part(text, 0, len(text), 0)
