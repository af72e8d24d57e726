"""APScheduler wrapper: a cache of reminder times that only ever wakes the worker.

The database is the source of truth; jobs carry no state and the worker re-reads everything
when woken. A periodic sweep covers anything the scheduler missed (APScheduler 3 drops jobs
that fire later than their misfire grace time, e.g. after a suspend).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler

logging.getLogger("apscheduler").setLevel(logging.WARNING)


class WakeScheduler:
    def __init__(self, wake: Callable[[], None], sweep_seconds: float = 30.0) -> None:
        self._wake = wake
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

    def sync(self, times: Iterable[datetime]) -> None:
        """Replace the date jobs by one per given time (the caller passes the next one)."""
        for job in self._scheduler.get_jobs():
            if job.id != "sweep" and job.trigger.__class__.__name__ == "DateTrigger":
                job.remove()
        for when in sorted(set(times)):
            self._scheduler.add_job(self._wake, "date", run_date=when,
                                    misfire_grace_time=3600, coalesce=True)
