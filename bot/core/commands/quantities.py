"""Amounts and durations written in a command's arguments ("12,50 €", "EUR 12", "1h30", "2 j")."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from bot.core.commands.grammar import fold

_CURRENCY = r"(?:€|£|\$|EUR(?:OS?)?|GBP|USD|PLN|SEK|ZL|ZŁ)"
_NUMBER = r"\d{1,7}(?:[.,]\d{1,2})?"
_AMOUNT_RE = re.compile(
    rf"(?<![\w.,])(?:{_CURRENCY}\s*(?P<n1>{_NUMBER})"
    rf"|(?P<n2>{_NUMBER})\s*{_CURRENCY}"
    rf"|(?P<n3>\d{{1,7}}[.,]\d{{2}}))(?![\w]|[.,]\d)",
    re.I,
)


def parse_amount(text: str) -> tuple[Decimal | None, str]:
    """Find one amount ("12,50", "12.50 €", "EUR 12") -> (amount, text without it).

    Raises ValueError when there are several amounts.
    """
    found = list(_AMOUNT_RE.finditer(text))
    if not found:
        return None, text
    if len(found) > 1:
        raise ValueError("several amounts")
    m = found[0]
    raw = m.group("n1") or m.group("n2") or m.group("n3")
    try:
        value = Decimal(raw.replace(",", ".")).quantize(Decimal("0.01"))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only digits
        raise ValueError(raw) from exc
    return value, text[:m.start()] + " " + text[m.end():]


_UNITS = {
    "w": 7 * 86400, "week": 7 * 86400, "weeks": 7 * 86400, "sem": 7 * 86400,
    "semaine": 7 * 86400, "semaines": 7 * 86400,
    "d": 86400, "day": 86400, "days": 86400, "j": 86400, "jour": 86400, "jours": 86400,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600, "heure": 3600,
    "heures": 3600,
    "m": 60, "mn": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
}
_DURATION_RE = re.compile(
    r"(?<![\w.,])(?P<n>\d{1,4}(?:[.,]\d{1,2})?)\s*(?P<u>"
    + "|".join(sorted(_UNITS, key=len, reverse=True))
    + r")(?:(?<=h)(?P<m>\d{2}))?(?![\w])",
    re.I,
)


def parse_duration(text: str) -> tuple[int | None, str]:
    """Sum every "<number><unit>" in `text` ("2h", "1 j", "90m", "1h30", "1,5 h").

    Returns (seconds or None, text without the duration parts).
    """
    folded = fold(text).lower()
    total = Decimal(0)
    spans: list[tuple[int, int]] = []
    for m in _DURATION_RE.finditer(folded):
        total += Decimal(m.group("n").replace(",", ".")) * _UNITS[m.group("u").lower()]
        if m.group("m"):
            total += int(m.group("m")) * 60
        spans.append(m.span())
    if not spans:
        return None, text
    remaining = text
    for start, end in reversed(spans):
        remaining = remaining[:start] + " " + remaining[end:]
    return int(total), remaining
