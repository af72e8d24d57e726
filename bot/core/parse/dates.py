"""Dates written by people and mail clients (many languages), Date headers, and the
calendar arithmetic deadlines need. Pure: the time is always a parameter."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

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
