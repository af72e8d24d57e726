"""Is mail still coming in? Last good IMAP sync, the seller's alert, readiness, the watchdog."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from bot.edges import systemd
from bot.edges.config import Settings

log = logging.getLogger("sellerbot.daemon")


class IntakeHealth:
    """Shared by the watch threads (they report), the timers (they check) and the worker
    (it mails the alert the check posts). Times are monotonic: a clock jump is no outage."""

    def __init__(self, settings: Callable[[], Settings], post: Callable[[str, Any], None],
                 ready: threading.Event) -> None:
        self._settings = settings  # the running configuration (SIGHUP replaces it)
        self._post = post
        self.ready = ready
        self.last_sync_ok: float | None = None
        self.last_error = ""
        self.auth_broken = ""  # a revoked OAuth sign-in: alert now, waiting will not heal it
        self._started = time.monotonic()
        self._alerted = False
        self._lock = threading.Lock()  # watchers and the scheduler both check intake
        self._waiting: set[str] = set()

    # -- what the watchers report -----------------------------------------------------------
    def expect(self, folders: Iterable[str]) -> None:
        """The folders whose first sync makes the daemon ready (none: ready at once)."""
        self._waiting = set(folders)
        if not self._waiting:
            self.ready.set()

    def synced(self) -> None:
        """A sync round went through: intake works (and a sign-in works again)."""
        self.last_sync_ok = time.monotonic()
        self.auth_broken = ""

    def mark_ready(self, folder: str) -> None:
        """Ready once every watched folder has completed a first sync."""
        self._waiting.discard(folder)
        if not self._waiting:
            self.ready.set()

    def failed(self, error: str, *, auth_revoked: bool) -> None:
        """A watcher lost its connection; a revoked sign-in is alerted without waiting."""
        self.last_error = error
        if auth_revoked:
            self.auth_broken = error
            self.check()

    # -- what the timers check --------------------------------------------------------------
    def check(self) -> None:
        """No successful sync for `watchdog_minutes`: tell the seller once per outage, by
        mail (SMTP is another route than the failing IMAP), and again when it is back."""
        limit = self._settings().bot.watchdog_minutes * 60
        if self.last_sync_ok is None:
            age = time.monotonic() - self._started
        else:
            age = time.monotonic() - self.last_sync_ok
        down = age >= limit or bool(self.auth_broken)
        with self._lock:
            if down and not self._alerted:
                self._alerted = True
                self._post("intake_down", (int(age // 60), self.last_error))
            elif not down and self._alerted:
                self._alerted = False
                log.info("IMAP intake works again")

    def feed_watchdog(self) -> None:
        """Feed systemd only while intake works: a stuck IMAP loop gets the unit restarted."""
        settings = self._settings()
        if not settings.mailboxes() or self.last_sync_ok is None:
            systemd.notify("WATCHDOG=1")
            return
        age = time.monotonic() - self.last_sync_ok
        if age < settings.bot.watchdog_minutes * 60:
            systemd.notify("WATCHDOG=1")
        else:
            systemd.notify(f"STATUS=no successful IMAP sync for {int(age // 60)} min")
            log.error("no successful IMAP sync for %d min; not feeding the watchdog", age // 60)
