"""The only place that reads the time. Everything else is handed a `Clock`.

`SELLERBOT_CLOCK_START` (an ISO instant) starts the daemon's clock at that instant, running at
wall speed from there: the one seam a replay, a simulated year or a time-shifted test uses.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Protocol

CLOCK_START_ENV = "SELLERBOT_CLOCK_START"


class Clock(Protocol):
    def now(self) -> datetime:
        """Current time, timezone-aware (UTC)."""
        ...


def _wall() -> datetime:
    return datetime.now(timezone.utc)


class SystemClock:
    """Wall time, or wall-speed time that started at `start` (the offset is fixed at build)."""

    def __init__(self, start: datetime | None = None) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("SystemClock needs an aware start")
        self._offset = (start - _wall()) if start is not None else timedelta(0)

    def now(self) -> datetime:
        return _wall() + self._offset


class FixedClock:
    """A clock that only moves when told to: deadline tests without sleeps."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = start.astimezone(timezone.utc)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = when.astimezone(timezone.utc)

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        with self._lock:
            self._now += delta if delta is not None else timedelta(**kwargs)
            return self._now


class ClockStartError(ValueError):
    pass


def parse_clock_start(value: str) -> datetime:
    """`2027-01-05T09:00:00+01:00` or `…Z`; an instant without a zone is refused."""
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ClockStartError(f"{CLOCK_START_ENV}={value!r} is not an ISO 8601 instant "
                              "(e.g. 2027-01-05T09:00:00+01:00)") from None
    if when.tzinfo is None:
        raise ClockStartError(f"{CLOCK_START_ENV}={value!r} has no time zone "
                              "(add Z or +01:00)")
    return when.astimezone(timezone.utc)


def clock_from_env(environ: Mapping[str, str] = os.environ) -> SystemClock:
    """The process's clock: wall time unless SELLERBOT_CLOCK_START says where it starts."""
    value = environ.get(CLOCK_START_ENV, "").strip()
    return SystemClock(parse_clock_start(value) if value else None)


def wall_after(seconds: float) -> datetime:
    """The wall-clock instant `seconds` from now, for schedulers that only know wall time
    (APScheduler): what is due stays a question for the injected clock."""
    return _wall() + timedelta(seconds=max(0.0, seconds))
