"""The IMAP IDLE-and-poll loop of one folder: new mail to the worker, reconnect with backoff."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

from imapclient.exceptions import LoginError

from bot.app.daemon.accounts import imap_account
from bot.app.daemon.bulk_sync import file_away
from bot.app.daemon.intake_health import IntakeHealth
from bot.app.service import Origin
from bot.edges.config import ImapSettings, Settings
from bot.edges.mailbox import FolderWatcher, ImapAccount, backoff_delays
from bot.edges.oauth import OAuthError
from bot.edges.store import Store

log = logging.getLogger("sellerbot.daemon")

#: A refused login does not heal in seconds; hammering a provider gets accounts locked.
LOGIN_REFUSED_WAIT = 300.0


class Refetch:
    """UIDs the worker could not record (not even quarantine): their watcher fetches them again."""

    def __init__(self) -> None:
        self._uids: set[tuple[str, str, int]] = set()
        self._lock = threading.Lock()

    def add(self, account: str, folder: str, uid: int) -> None:
        with self._lock:
            self._uids.add((account, folder, uid))

    def take(self, account: str, folder: str) -> list[int]:
        """This folder's UIDs to fetch again, in order, forgotten here."""
        with self._lock:
            again = sorted(u for a, f, u in self._uids if a == account and f == folder)
            self._uids -= {(account, folder, u) for u in again}
        return again


class FolderWatch:
    """One thread per account/folder. It only reads (its own read-only store) and puts work on
    the worker's queue; what it submitted is filed away once the worker has recorded it."""

    def __init__(self, imap: ImapSettings, folder: str, *, settings: Callable[[], Settings],
                 db_path: str, stop_event: threading.Event,
                 submit: Callable[[bytes, Origin], None], post: Callable[[str, Any], None],
                 refetch: Refetch, health: IntakeHealth) -> None:
        self.imap = imap
        self.folder = folder
        self._settings = settings
        self._db_path = db_path
        self._stop = stop_event
        self._submit = submit
        self._post = post
        self._refetch = refetch
        self._health = health
        self._high_water: dict[int, int] = {}  # UIDVALIDITY -> last UID submitted
        self._submitted: list[int] = []  # submitted, not yet seen recorded

    def run(self) -> None:
        """Until stop: connect, wait for the first bulk sync, then IDLE (or poll) and fetch."""
        delays = backoff_delays()
        reader = Store(self._db_path, readonly=True)
        try:
            while not self._stop.is_set():
                # SIGHUP: a new password or OAuth setting applies at each reconnect.
                imap = self.imap = self._current()
                account = imap_account(imap)
                watcher = FolderWatcher(account, self.folder, batch_size=imap.batch_size,
                                        idle=imap.idle, idle_renew=imap.idle_renew_seconds,
                                        poll=imap.poll_seconds)
                try:
                    uidvalidity = watcher.open()
                    log.info("watching %s/%s (UIDVALIDITY %s)", account.host, self.folder,
                             uidvalidity)
                    if not self._await_first_sync(reader, account):
                        return
                    while not self._stop.is_set():
                        self._round(watcher, account, uidvalidity, reader)
                        delays = backoff_delays()
                        watcher.wait(self._stop, imap.idle_renew_seconds)
                except Exception as exc:  # noqa: BLE001 - any failure means reconnect
                    self._lost(account, exc, delays)
                finally:
                    watcher.close()
        finally:
            reader.close()

    def _current(self) -> ImapSettings:
        """The running configuration's version of this mailbox (same host and user)."""
        return next((m for m in self._settings().mailboxes()
                     if (m.host, m.username) == (self.imap.host, self.imap.username)), self.imap)

    def _await_first_sync(self, reader: Store, account: ImapAccount) -> bool:
        """The start-up catch-up did not reach this folder (server down then): its history
        must go through the bulk path (backfill, one summary), not through here as if every
        old mail were news. False if the daemon stops meanwhile."""
        if reader.sync_state(account.name, self.folder) is not None:
            return True
        self._post("catch_up", (self.imap, self.folder))
        while reader.sync_state(account.name, self.folder) is None:
            if self._stop.wait(1.0):
                return False
        return True

    def _round(self, watcher: FolderWatcher, account: ImapAccount, uidvalidity: int,
               reader: Store) -> None:
        """File away what the worker recorded, fetch again what it could not, submit the new."""
        state = reader.sync_state(account.name, self.folder)
        after = state["last_uid"] if state and state["uidvalidity"] == uidvalidity else 0
        after = max(after, self._high_water.get(uidvalidity, 0))
        if self._submitted:
            recorded = reader.statuses(account.name, self.folder, uidvalidity, self._submitted)
            file_away(watcher, account.name, list(recorded), reader)
            self._submitted = [u for u in self._submitted if u not in recorded]
        again = self._refetch.take(account.name, self.folder)
        for batch in watcher.fetch_bodies(again):
            for fetched in batch:
                self._submit(fetched.raw, Origin(account.name, self.folder,
                                                 fetched.uidvalidity, fetched.uid))
        for fetched in watcher.fetch_new(after):
            self._submit(fetched.raw, Origin(account.name, self.folder,
                                             fetched.uidvalidity, fetched.uid))
            self._high_water[uidvalidity] = fetched.uid
            self._submitted.append(fetched.uid)
        self._health.synced()
        self._post("synced", (account.name, self.folder))
        self._health.mark_ready(f"{account.name}/{self.folder}")

    def _lost(self, account: ImapAccount, exc: Exception, delays: Iterator[float]) -> None:
        """Log, tell the intake health, wait before reconnecting (minutes if a login was
        refused: the seller is alerted)."""
        delay = next(delays)
        revoked = isinstance(exc, OAuthError) and exc.permanent
        if isinstance(exc, LoginError) or revoked:
            delay = max(delay, LOGIN_REFUSED_WAIT)
        log.warning("IMAP %s/%s: %s: %s; reconnecting in %.1fs", account.host, self.folder,
                    type(exc).__name__, exc, delay)
        self._health.failed(f"{account.host}/{self.folder}: {type(exc).__name__}: {exc}",
                            auth_revoked=revoked)
        self._stop.wait(delay)

