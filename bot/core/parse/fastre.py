"""Faster case-insensitive regex search with exactly the results of `re.IGNORECASE`.

Python's `re` gives up its literal/charset prefix scan and compares every character
through a Unicode case fold when a pattern is compiled with IGNORECASE: long alternations
of words over a whole email body are slow. `FoldRx` first searches `text.lower()` with the
lower-cased pattern compiled case-sensitively (fast), then runs the real IGNORECASE pattern
only from the position found there, so the returned match is the one `rx.search(text)`
would have returned (same groups, same span, same case).

Lower-casing is only a faithful stand-in for IGNORECASE when every character of the text
lower-cases to exactly one character whose regex properties are unchanged, and none of them
takes part in the special folds of `re` (dotless i, long s, Greek/Cyrillic variants...).
`_UNSAFE` lists those characters (computed from the Unicode tables of `re`); a text that
holds one, or whose lower-cased form changes length, is searched the slow way.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(
    "[\u00b5\u0130-\u0131\u017f\u0345\u0390\u0392\u0395\u0398-\u039a\u039c\u03a0-\u03a1\u03a3"
    "\u03a6\u03b0\u03b2\u03b5\u03b8-\u03ba\u03bc\u03c0-\u03c3\u03c6\u03d0-\u03d1\u03d5-\u03d6"
    "\u03f0-\u03f1\u03f4-\u03f5\u0412\u0414\u041e\u0421-\u0422\u042a\u0432\u0434\u043e"
    "\u0441-\u0442\u044a\u0462-\u0463\u1c80-\u1c88\u1e60-\u1e61\u1e9b\u1fbe\u1fd3\u1fe3"
    "\ua64a-\ua64b\ufb05-\ufb06]")

_cache: dict[str, str | None] = {}


def lowered(text: str) -> str | None:
    """`text.lower()` when it may stand in for IGNORECASE matching, else None."""
    try:
        return _cache[text]
    except KeyError:
        pass
    low: str | None = text.lower()
    if len(low) != len(text) or (not text.isascii() and _UNSAFE.search(text)):  # type: ignore[arg-type]
        low = None
    if len(_cache) >= 64:
        _cache.clear()
    _cache[text] = low
    return low


def _lower_pattern(pattern: str) -> str:
    """Lower-case a pattern's literals and ranges, leaving escapes (\\S, \\W, \\B...) alone."""
    out = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            out.append(pattern[i: i + 2])
            i += 2
            continue
        out.append(c.lower())
        i += 1
    return "".join(out)


class FoldRx:
    """`re.compile(pattern, flags | re.I)` with a fast `search` (same result)."""

    __slots__ = ("rx", "low", "pattern")

    def __init__(self, pattern: str | re.Pattern[str], flags: int = 0) -> None:
        if isinstance(pattern, re.Pattern):
            flags |= pattern.flags & ~re.U
            pattern = pattern.pattern
        self.pattern = pattern
        self.rx = re.compile(pattern, flags | re.I)
        low_pat = _lower_pattern(pattern)
        if _UNSAFE.search(pattern) or "(?i" in pattern or "\\N" in pattern or \
                len(low_pat) != len(pattern):
            self.low = None
        else:
            self.low = re.compile(low_pat, flags & ~re.I)

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        if self.low is None:
            return self.rx.search(text, pos)
        low = lowered(text)
        if low is None:
            return self.rx.search(text, pos)
        m = self.low.search(low, pos)
        if m is None:
            return None
        return self.rx.search(text, m.start())

    def finditer(self, text: str):  # noqa: ANN201 - plain delegation
        return self.rx.finditer(text)

    def match(self, text: str, pos: int = 0) -> re.Match[str] | None:
        return self.rx.match(text, pos)

    def sub(self, repl, text: str, count: int = 0) -> str:  # noqa: ANN001
        return self.rx.sub(repl, text, count)
