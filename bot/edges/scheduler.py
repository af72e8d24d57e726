"""APScheduler wrapper: a cache of the next wake-up that only ever wakes the worker.

The database is the source of truth; jobs carry no state and the worker re-reads everything
when woken. A periodic sweep covers anything the scheduler missed. APScheduler's triggers read
the wall clock while sellerbot runs on an injected one (a replay, a test, the demo), so the next
wake-up is handed over as "in this many seconds", computed by the caller from its own clock:
what is due stays a question for the clock alone.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler

from bot.edges.clock import wall_after

logging.getLogger("apscheduler").setLevel(logging.WARNING)

_NEXT = "next-wakeup"


class WakeScheduler:
    def __init__(self, wake: Callable[[], None], sweep_seconds: float = 30.0) -> None:
        self._wake = wake
        self._lock = threading.Lock()
        self._scheduler = BackgroundScheduler(timezone="UTC")
        self._scheduler.add_job(wake, "interval", seconds=sweep_seconds, id="sweep",
                                coalesce=True, max_instances=1)

    def every(self, seconds: float, func: Callable[[], None]) -> None:
        self._scheduler.add_job(func, "interval", seconds=seconds, coalesce=True,
                                max_instances=1)

    def start(self) -> None:
        self._scheduler.start()

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def wake_in(self, seconds: float | None) -> None:
        """One wake-up `seconds` from now (at once if due already); None: only the sweep.

        The single job is replaced, never looked up first: a job that fired in between is
        simply gone (no JobLookupError from a race with the scheduler's thread)."""
        with self._lock:
            try:
                self._scheduler.remove_job(_NEXT)
            except JobLookupError:
                pass  # it already fired: nothing to cancel
            if seconds is None or not self._scheduler.running:
                return
            self._scheduler.add_job(self._wake, "date", run_date=wall_after(seconds), id=_NEXT,
                                    misfire_grace_time=None, coalesce=True)
