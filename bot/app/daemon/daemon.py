"""The Daemon: builds its parts, runs the single writer and the run modes (--once, backfill)."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from datetime import date
from typing import Any

from bot.app.daemon.accounts import imap_account
from bot.app.daemon.bulk_sync import BulkSync, Stats
from bot.app.daemon.instance_lock import InstanceLock
from bot.app.daemon.intake_health import IntakeHealth
from bot.app.daemon.lifecycle import Background
from bot.app.daemon.parsing import BoundedParser
from bot.app.daemon.timers import Timers
from bot.app.daemon.watch import FolderWatch, Refetch
from bot.app.service import Origin, Service
from bot.edges import systemd
from bot.edges.clock import Clock
from bot.edges.config import ImapSettings, Settings
from bot.edges.mailbox import FolderWatcher
from bot.edges.store import Store

log = logging.getLogger("sellerbot.daemon")


class Daemon:
    """One process on one database. Watch threads, the SMTP intake and the timers only put
    work on `queue`; `serve` (the one worker) owns the database connection and handles mail,
    reminders and the outbox in order."""

    def __init__(self, settings: Settings, clock: Clock, *, db_path: str | None = None,
                 dry_run_dir: str | None = None) -> None:
        self.settings = settings
        self.clock = clock
        self.db_path = db_path or settings.bot.database
        self.dry_run_dir = dry_run_dir
        self.queue: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=10000)
        self.stop_event = threading.Event()
        self.lock = InstanceLock(self.db_path)
        self.stats = Stats()
        self.store: Store | None = None
        self.service: Service | None = None
        self.ready = threading.Event()
        self.refetch = Refetch()  # UIDs to fetch again
        self.health = IntakeHealth(lambda: self.settings, self._post, self.ready)
        self.parser = BoundedParser()
        self.bulk = BulkSync(self.stats, self.parser)
        self.timers = Timers(self.wake)
        self.background = Background(self.db_path, clock, self.health, self.timers)
        self._reload_requested = threading.Event()
        self._reload_with: Any = None
        self._processed = threading.Condition()

    @property
    def last_sync_ok(self) -> float | None:
        """Monotonic time of the last good IMAP sync (None: none yet)."""
        return self.health.last_sync_ok

    @last_sync_ok.setter
    def last_sync_ok(self, value: float | None) -> None:
        self.health.last_sync_ok = value

    def _check_intake(self) -> None:
        self.health.check()

    # -- opening and closing --------------------------------------------------------------
    def _open(self) -> Service:
        self.lock.acquire()
        self.store = Store(self.db_path)
        self.service = Service(self.settings, self.store, self.clock,
                               dry_run_dir=self.dry_run_dir)
        self.service.recover_inflight()
        return self.service

    def close(self) -> None:
        self.parser.close()
        if self.store is not None:
            self.store.close()
            self.store = None
        self.lock.release()

    # -- run modes ------------------------------------------------------------------------
    def run_once(self) -> Stats:
        """Sync every folder, process, send what is due, exit (cron, benchmarks)."""
        service = self._open()
        try:
            self.bulk.catch_up(service, raise_errors=True)
            service.tick()
        finally:
            self.close()
        return self.stats

    def backfill(self, since: date, progress: Callable[[str, int, int], None] | None = None
                 ) -> Stats:
        """Rebuild case state from notifications received since `since`: nothing is sent
        for a step whose deadline is already past, open cases are summarized in one mail."""
        service = self._open()
        try:
            if not self.settings.mailboxes():
                raise RuntimeError("backfill needs an [imap] section")
            for imap, folder in ((m, f) for m in self.settings.mailboxes() for f in m.folders):
                self.bulk.backfill_folder(service, imap, folder, since, progress)
            service.tick()
        finally:
            self.close()
        return self.stats

    def start(self) -> None:
        """Open the store, catch up with the mailbox, start the watchers and the scheduler."""
        service = self._open()
        self.bulk.catch_up(service, raise_errors=False)
        self.background.start(self.settings, watch=self._watch, submit=self.submit)
        self.wake()  # due reminders go out at once after downtime
        systemd.notify("READY=1\nSTATUS=watching the mailbox")

    def stop(self) -> None:
        systemd.notify("STOPPING=1")
        self.stop_event.set()
        self.background.stop()

    def run_forever(self) -> None:
        self.start()
        try:
            self.serve()
        finally:
            self.stop()
            self.close()

    # -- feeding the worker ---------------------------------------------------------------
    def _post(self, kind: str, item: Any) -> None:
        self.queue.put((kind, item))

    def wake(self) -> None:
        try:
            self.queue.put_nowait(("tick", None))
        except queue.Full:
            pass

    def barrier(self, timeout: float = 10.0) -> bool:
        """Wait until the worker has handled everything queued before this call."""
        reached = threading.Event()
        self.queue.put(("barrier", reached))
        return reached.wait(timeout)

    def wait_processed(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until the worker has ingested `count` messages since start (tests, demo)."""
        with self._processed:
            return self._processed.wait_for(lambda: self.stats.processed >= count, timeout)

    def submit(self, raw: bytes, origin: Origin) -> None:
        """Used by IMAP watchers and the SMTP intake: enqueue, never process in place."""
        self.queue.put(("mail", (raw, origin)))

    def _watch(self, imap: ImapSettings, folder: str) -> None:
        """A watch thread's body."""
        FolderWatch(imap, folder, settings=lambda: self.settings, db_path=self.db_path,
                    stop_event=self.stop_event, submit=self.submit, post=self._post,
                    refetch=self.refetch, health=self.health).run()

    # -- reloading ------------------------------------------------------------------------
    def request_reload(self, load: Any) -> None:
        """SIGHUP: reload config and templates in the worker; a broken config keeps the old.
        Only sets a flag: a signal handler must not take the queue's lock."""
        self._reload_with = load
        self._reload_requested.set()

    def _reload(self, load: Any) -> None:
        try:
            settings = load()
            service = Service(settings, self.store, self.clock,  # type: ignore[arg-type]
                              dry_run_dir=self.dry_run_dir)
        except Exception as exc:  # noqa: BLE001 - any reload failure keeps the running config
            log.error("reload refused, keeping the running configuration: %s", exc)
            systemd.notify("STATUS=reload refused: configuration error (see log)")
            return
        self.settings, self.service = settings, service
        service.rearm_seller_mail()  # a fixed [smtp] password is tried at once, not in 15 min
        log.info("configuration and templates reloaded (a mailbox's new settings apply at its "
                 "next reconnect; added or removed mailboxes need a restart)")
        systemd.notify("STATUS=configuration reloaded")

    # -- the single worker ----------------------------------------------------------------
    def serve(self) -> None:
        """The single worker: run until stop() is called."""
        assert self.service is not None
        service = self.service
        while not self.stop_event.is_set():
            if self._reload_requested.is_set():
                self._reload_requested.clear()
                self._reload(self._reload_with)
                service = self.service or service
            try:
                kind, item = self.queue.get(timeout=1.0)
            except queue.Empty:
                continue
            try:
                self._handle(service, kind, item)
            except Exception as exc:  # noqa: BLE001 - the loop must go on
                log.exception("worker error on %s", kind)
                if kind == "mail":
                    self._quarantine_failed(service, item, exc)
            finally:
                self.queue.task_done()

    def _handle(self, service: Service, kind: str, item: Any) -> None:
        """One queued item. Mail and ticks end with what is due and the next wake-up armed."""
        if kind == "barrier":
            item.set()
            return
        if kind == "intake_down":
            service.alert_intake_down(*item)
            service.execute_outbox()
            return
        if kind == "catch_up":
            self._catch_up_folder(service, item)
            return
        if kind == "synced":  # a healthy quiet mailbox is still a fresh sync
            assert self.store is not None
            self.store.touch_sync(*item, self.clock.now())
            return
        if kind == "mail":
            raw, origin = item
            status = service.ingest(
                raw, origin, parse=lambda r, s=service: self.parser.parse_all(s, [r])[0])
            with self._processed:
                self.stats.count(status)
                self._processed.notify_all()
        service.tick()
        if self.timers.running:
            assert self.store is not None
            # Only the next due time: the store holds the rest, the sweep is the net.
            wakeup = service.next_wakeup()
            self.timers.wake_at(wakeup, self.clock.now())

    def _catch_up_folder(self, service: Service, item: tuple[ImapSettings, str]) -> None:
        """A folder the start-up catch-up missed, asked for by its watcher; again on failure."""
        imap, folder = item
        account = imap_account(imap)
        watcher = FolderWatcher(account, folder, batch_size=imap.batch_size)
        try:
            self.bulk.sync_folder(service, watcher, account.name)
            service.tick()
        except Exception as exc:  # noqa: BLE001 - the watcher asks again
            log.warning("catch-up of %s/%s failed: %s", account.host, folder, exc)
            self.stop_event.wait(5.0)
            self.queue.put(("catch_up", item))
        finally:
            watcher.close()

    def _quarantine_failed(self, service: Service, item: Any, exc: Exception) -> None:
        raw, origin = item
        try:
            service.quarantine_failed(raw, origin, f"{type(exc).__name__}: {exc}")
        except Exception:  # noqa: BLE001 - still not recorded: the next sync fetches it again
            log.exception("could not quarantine the failed message; it will be fetched again")
            if origin.uid is not None:
                self.refetch.add(origin.account, origin.folder, origin.uid)
