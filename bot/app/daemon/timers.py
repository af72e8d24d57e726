"""The daemon's timed work: the worker woken at the next due time, intake checks, the watchdog."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.edges import systemd
from bot.edges.scheduler import WakeScheduler

#: Seconds between two checks that IMAP intake still works.
INTAKE_CHECK_SECONDS = 60


class Timers:
    """A WakeScheduler that only wakes the worker (which does the work), plus the periodic
    checks. The store holds every due time; only the next one is armed here."""

    def __init__(self, wake: Callable[[], None]) -> None:
        self._wake = wake
        self._scheduler: WakeScheduler | None = None

    @property
    def running(self) -> bool:
        return self._scheduler is not None

    def start(self, *, check_intake: Callable[[], None] | None,
              feed_watchdog: Callable[[], None]) -> None:
        """Check intake every minute (if IMAP is read), feed systemd's watchdog if it asks."""
        self._scheduler = WakeScheduler(self._wake)
        if check_intake is not None:
            self._scheduler.every(INTAKE_CHECK_SECONDS, check_intake)
        interval = systemd.watchdog_interval()
        if interval:
            self._scheduler.every(interval, feed_watchdog)
        self._scheduler.start()

    def wake_at(self, due: datetime | None, now: datetime) -> None:
        """Arm the next wake-up (None: nothing due; the periodic sweep is the safety net)."""
        if self._scheduler is not None:
            self._scheduler.wake_in(None if due is None else (due - now).total_seconds())

    def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.stop()
