"""Starting and stopping what runs around the single writer: watch threads, SMTP intake, metrics."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from bot.app.daemon.accounts import watched_folders
from bot.app.daemon.intake_health import IntakeHealth
from bot.app.daemon.timers import Timers
from bot.app.service import Origin
from bot.edges.clock import Clock
from bot.edges.config import ImapSettings, Settings
from bot.edges.intake import SmtpIntake
from bot.edges.metrics import MetricsServer

log = logging.getLogger("sellerbot.daemon")


class Background:
    """Everything that only feeds the worker's queue (or reads the database), started once the
    catch-up is done and stopped before the worker's store is closed."""

    def __init__(self, db_path: str, clock: Clock, health: IntakeHealth, timers: Timers) -> None:
        self.db_path = db_path
        self.clock = clock
        self.health = health
        self.timers = timers
        self._threads: list[threading.Thread] = []
        self._intake: SmtpIntake | None = None
        self._metrics: MetricsServer | None = None

    def start(self, settings: Settings, *, watch: Callable[[ImapSettings, str], None],
              submit: Callable[[bytes, Origin], None]) -> None:
        """Metrics, one watch thread per folder, the SMTP intake, then the timers."""
        if settings.metrics.enabled:
            m = settings.metrics
            self._metrics = MetricsServer(self.db_path, m.host, m.port,
                                          now_fn=self.clock.now).start()
        self.health.expect(watched_folders(settings))
        for imap in settings.mailboxes():
            for folder in imap.folders:
                thread = threading.Thread(target=watch, args=(imap, folder),
                                          name=f"imap-{imap.host}-{folder}", daemon=True)
                thread.start()
                self._threads.append(thread)
        if settings.intake is not None:
            intake = settings.intake
            host, _, port = intake.listen.rpartition(":")
            self._intake = SmtpIntake(lambda raw: submit(raw, Origin(source="smtp")),
                                      host=host, port=int(port), max_bytes=intake.max_bytes,
                                      allowed_clients=tuple(intake.allowed_clients))
            self._intake.start()
            log.info("SMTP intake listening on %s", intake.listen)
        self.timers.start(check_intake=self.health.check if settings.mailboxes() else None,
                          feed_watchdog=self.health.feed_watchdog)

    def stop(self) -> None:
        """In order: no more SMTP mail, no more timers, watchers joined, metrics last.
        The caller has set the stop event the watchers wait on."""
        if self._intake is not None:
            self._intake.stop()
            self._intake = None
        self.timers.stop()
        for thread in self._threads:
            thread.join(timeout=5)
        if self._metrics is not None:
            self._metrics.stop()
            self._metrics = None
