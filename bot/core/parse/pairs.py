"""Label/value pairs read from text: `label : value` lines (any spacing or separator), a label
line with its value on the next line, and `value : label`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lexicon import label_fields

@dataclass
class Pair:
    fields: tuple[str, ...]
    value: str
    pos: float  # document order, for grouping items


# 'Label : value' with ':' / '：' / tab (greedy, no backtracking: the label holds no separator)
_COLON_LINE = re.compile(r"^[ \t\u00a0]*([^\n:：\t]{1,64})[:：\t][ \t\u00a0]*(?:[:：][ \t\u00a0]*)?"
                         r"([^\n]*)$", re.MULTILINE)
# short lines: a label alone, or 'Label   value' / 'Label | value' / 'Label = value'
_SHORT_LINE = re.compile(r"^[ \t\u00a0]*([^\n:：\t|][^\n:：\t]{0,90})$", re.MULTILINE)
_SPACE_SEP = re.compile(r"[ \u00a0]{3,}|[ \u00a0]+[|=–—][ \u00a0]+")


def text_pairs(text: str, base: float = 0.0) -> list[Pair]:
    """(fields, value) from label lines in any order, spacing or separator; a label alone on
    its line takes the next non-empty line; 'value : label' is read too."""
    hits: list[tuple[int, int, str, str | None]] = []  # (start, end, left, right or None)
    for m in _COLON_LINE.finditer(text):
        hits.append((m.start(), m.end(), m.group(1), m.group(2)))
    for m in _SHORT_LINE.finditer(text):
        line = m.group(1).strip()
        if not line:
            continue
        sm = _SPACE_SEP.search(line) if ("   " in line or " |" in line or " =" in line or
                                         " –" in line or " —" in line or "\u00a0" in line) \
            else None
        if sm and sm.start() > 0:
            hits.append((m.start(), m.end(), line[: sm.start()], line[sm.end():]))
        elif len(line) <= 64:
            hits.append((m.start(), m.end(), line, None))
    hits.sort()
    out: list[Pair] = []
    prev_bare = False
    for start, end, left, right in hits:
        if right is not None:
            right = right.strip()
            fl = label_fields(left)
            if fl:
                value = right or _next_value(text, end)
                if right and not _TEXT_FIELDS.isdisjoint(fl):
                    value = _continued(value, text, end)
                out.append(Pair(fl, value, base + start))
            elif right and len(right) <= 64 and left.strip() and (fr := label_fields(right)):
                out.append(Pair(fr, left.strip(), base + start))
            prev_bare = False
            continue
        if not left.strip("|").strip():
            continue
        fl = label_fields(left)
        if fl:
            # a run of bare labels is a linearised table header, not label/value lines
            if not prev_bare:
                value = _next_value(text, end)
                if value and not label_fields(value):
                    out.append(Pair(fl, value, base + start))
            prev_bare = True
        else:
            prev_bare = False
    return out


_TEXT_FIELDS = frozenset({"reason", "claim_reason", "comment", "title"})
_GENERIC_LABEL = re.compile(r"^[^:：\n]{1,40}[:：]")


def _continued(value: str, text: str, pos: int) -> str:
    """A free-text value wrapped over the next lines (reflowed plain text): take them until a
    blank line, a URL, a table row or another label line."""
    if pos >= len(text) or text[pos] != "\n":
        return value
    parts = [value]
    for line in text[pos + 1: pos + 800].split("\n")[:6]:
        s = line.strip()
        if not s or "http" in s or "|" in s or _GENERIC_LABEL.match(s):
            break
        sm = _SPACE_SEP.search(s) or re.search(r"\t", s)
        if label_fields(s) or (sm and label_fields(s[: sm.start()])):
            break
        parts.append(s)
    return " ".join(parts)


def _next_value(text: str, pos: int) -> str:
    """The next non-empty line after `pos` (table pipes removed)."""
    for line in text[pos: pos + 600].split("\n")[1:8] if pos < len(text) and \
            text[pos] == "\n" else text[pos: pos + 600].split("\n")[:8]:
        v = line.strip().strip("|").strip()
        if v:
            return v
    return ""


def field_pairs(fields: list[tuple[str, str]]) -> list[Pair]:
    """Pairs from already-split 'label : value' lines (`common.labelled_fields`)."""
    out = []
    for i, (label, value) in enumerate(fields):
        fl = label_fields(label)
        if fl:
            out.append(Pair(fl, value, float(i)))
    return out
