"""Time travel for the suite: every clock a test builds, and every date in the mail it feeds.

`SELLERBOT_TEST_SHIFT_DAYS=400 scripts/test` moves all of them by that many days (negative
too), across daylight-saving changes and a year boundary. Anything in sellerbot that reads the
wall clock instead of the injected one then disagrees with the test by 400 days and fails.

- `at(2026, 11, 22, 9, 0)`: an aware instant (UTC unless `tz` is given), shifted.
- `shifted(dt)`: an existing instant, shifted.
- `shift_mail(raw)`: the mail with its date headers (Date, Resent-Date, Received's dates) shifted;
  sellerbot dates events from the Date header.
- `ref("R", 1)`: the case reference sellerbot gives the first return case (its year moves).
- `clock_env(start)`: the environment a daemon subprocess needs to run on a clock that starts at
  `start` (the daemon's documented `SELLERBOT_CLOCK_START`).

Dovecot and the SMTP sink stay on the real clock, as servers do in life.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone, tzinfo
from email.utils import format_datetime, parsedate_to_datetime
from zoneinfo import ZoneInfo

SHIFT_DAYS = int(os.environ.get("SELLERBOT_TEST_SHIFT_DAYS", "0") or 0)
SHIFT = timedelta(days=SHIFT_DAYS)
CLOCK_ENV = "SELLERBOT_CLOCK_START"
PARIS = ZoneInfo("Europe/Paris")


def shifted(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        raise ValueError("shifted() needs an aware datetime")
    return dt + SHIFT


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0,
       tz: tzinfo = timezone.utc) -> datetime:
    return shifted(datetime(year, month, day, hour, minute, second, tzinfo=tz))


def paris(dt: datetime) -> datetime:
    """The instant in the French marketplace's zone, for expected texts ("24/11 08:41 CET"):
    a shifted instant may fall on the other side of a daylight-saving change."""
    return dt.astimezone(PARIS)


_DATE_HEADER = re.compile(rb"^(Date|Resent-Date|Delivery-Date):[ \t]*(.*?)(\r?\n)(?![ \t])",
                          re.IGNORECASE | re.MULTILINE | re.DOTALL)


def _shift_rfc2822(value: str) -> str:
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return value
    if when is None or when.tzinfo is None:
        return value
    return format_datetime(when + SHIFT)


def shift_mail(raw: bytes) -> bytes:
    """The same mail with its date headers moved by SHIFT (headers only; bodies are untouched).

    Nested message/rfc822 parts (forwards) have their own Date header, moved the same way."""
    if not SHIFT:
        return raw

    def repl(m: re.Match[bytes]) -> bytes:
        value = m.group(2).decode("ascii", "replace").replace("\r\n", " ").replace("\n", " ")
        return m.group(1) + b": " + _shift_rfc2822(value).encode("ascii") + m.group(3)

    return _DATE_HEADER.sub(repl, raw)


def ref(prefix: str, number: int, when: datetime | None = None) -> str:
    """A case reference as sellerbot numbers it (`R-2026-0001`): its year is the clock's at the
    case's opening (`when`, default the suite's reference day, 22 Nov 2026), so it moves too."""
    year = (when or at(2026, 11, 22)).year
    return f"{prefix}-{year}-{number:04d}"


def clock_env(start: datetime, env: dict[str, str] | None = None) -> dict[str, str]:
    """A copy of `env` (default: this process's) that starts a daemon's clock at `start`."""
    out = dict(os.environ if env is None else env)
    out[CLOCK_ENV] = start.astimezone(timezone.utc).isoformat()
    return out


__all__ = ["CLOCK_ENV", "SHIFT", "SHIFT_DAYS", "PARIS", "at", "clock_env", "paris", "ref", "shift_mail", "shifted"]
