"""The bulk path from a folder into the store (catch-up, backfill): triage, batches, filing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from email.parser import BytesHeaderParser
from email.policy import compat32

from bot.app.daemon.accounts import imap_account
from bot.app.daemon.parsing import BoundedParser
from bot.app.service import Origin, Service, body_hash, normalize_eol
from bot.core.domain import Notice
from bot.core.triage import is_candidate
from bot.edges.config import ImapSettings
from bot.edges.mailbox import Fetched, FolderWatcher
from bot.edges.store import Store
from bot.flows import failpoints

log = logging.getLogger("sellerbot.daemon")

_HEADERS = BytesHeaderParser(policy=compat32)


@dataclass
class Stats:
    """Mail handled since start, by outcome (what `run --once` and backfill print)."""

    processed: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    def count(self, status: str) -> None:
        self.processed += 1
        self.by_status[status] = self.by_status.get(status, 0) + 1


@dataclass
class _Prepared:
    """A fetched batch, triaged, with its candidates parsed."""

    batch: list[Fetched]
    raws: list[bytes]
    relevant: list[bool]
    notices: list[Notice] = field(default_factory=list)


def file_away(watcher: FolderWatcher, account: str, uids: list[int], store: Store) -> None:
    """Optional: move processed mail to `move_processed_to`, quarantined mail to
    `quarantine_folder`. Only after the commit, so a crash never moves unprocessed mail."""
    imap = watcher.account
    if not (imap.move_processed_to or imap.quarantine_folder) \
            or watcher.uidvalidity is None:
        return
    statuses = store.statuses(account, watcher.folder, watcher.uidvalidity, uids)
    quarantined = [u for u, s in statuses.items() if s == "quarantined"]
    done = [u for u, s in statuses.items() if s != "quarantined"]
    try:
        if imap.quarantine_folder:
            watcher.move(quarantined, imap.quarantine_folder)
        elif imap.move_processed_to:
            done += quarantined
        if imap.move_processed_to:
            watcher.move(sorted(done), imap.move_processed_to)
    except Exception as exc:  # noqa: BLE001 - filing is cosmetic; processing is recorded
        log.warning("could not move processed mail: %s", exc)


class BulkSync:
    """Whole folders at once, in the worker: every method takes the Service it applies with
    (its store and settings are the daemon's)."""

    def __init__(self, stats: Stats, parser: BoundedParser) -> None:
        self.stats = stats
        self.parser = parser

    def catch_up(self, service: Service, raise_errors: bool) -> None:
        """Bulk-sync every folder (triage, batches, all cores) before the IDLE loop starts."""
        mailboxes = service.settings.mailboxes()
        if not mailboxes:
            return
        # Parsing goes to the daemon's bounded workers (BoundedParser), not a forked pool.
        for imap in mailboxes:
            account = imap_account(imap)
            for folder in imap.folders:
                watcher = FolderWatcher(account, folder, batch_size=imap.batch_size)
                try:
                    self.sync_folder(service, watcher, account.name)
                except Exception as exc:
                    if raise_errors:
                        raise
                    log.warning("catch-up of %s/%s failed (%s); the watcher will retry",
                                account.host, folder, exc)
                finally:
                    watcher.close()

    def sync_folder(self, service: Service, watcher: FolderWatcher, account: str) -> int:
        """Bulk sync: triage on headers, fetch candidate bodies in batches, parse them on
        every core, apply in order. Progress is saved with each message."""
        store = service.store
        uidvalidity = watcher.open()
        state = store.sync_state(account, watcher.folder)
        after = state["last_uid"] if state and state["uidvalidity"] == uidvalidity else 0
        uids = watcher.new_uids(after)
        if not uids:
            # An empty first sync still starts the history: later mail is news, not backfill.
            store.save_sync_state(account, watcher.folder, uidvalidity, after,
                                  service.clock.now())
            return 0
        service.backfill = state is None  # first sync of this folder: history, not news
        # History (first sync) gets one summary above 10 cases; a later catch-up (after a
        # restart or an outage) is news: each case gets its own notice, the thread its
        # reply acts on, however many there are.
        service.hold_notices = state is None
        try:
            return self.sync_uids(service, watcher, account, uids, uidvalidity)
        finally:
            service.backfill = service.hold_notices = False
            service.flush_notices()

    def backfill_folder(self, service: Service, imap: ImapSettings, folder: str, since: date,
                        progress: Callable[[str, int, int], None] | None) -> None:
        """Apply the folder's mail since `since` not recorded yet, as history."""
        account = imap_account(imap)
        watcher = FolderWatcher(account, folder, batch_size=imap.batch_size)
        try:
            uidvalidity = watcher.open()
            found = watcher.uids_since(since)
            done = service.store.statuses(account.name, folder, uidvalidity, found)
            todo = [u for u in found if u not in done]
            seen = 0

            def step(n: int, folder: str = folder, total: int = len(todo)) -> None:
                nonlocal seen
                seen += n
                if progress is not None:
                    progress(folder, min(seen, total), total)

            step(0)
            service.backfill = service.hold_notices = True
            try:
                self.sync_uids(service, watcher, account.name, todo, uidvalidity, step)
            finally:
                service.backfill = service.hold_notices = False
                service.flush_notices()
        finally:
            watcher.close()

    def sync_uids(self, service: Service, watcher: FolderWatcher, account: str,
                  uids: list[int], uidvalidity: int,
                  progress: Callable[[int], None] | None = None) -> int:
        """Pipeline: while batch N is applied (one transaction, in UID order), batch N+1 is
        already fetched, triaged on its headers and being parsed on the other cores."""
        count = 0
        pending: _Prepared | None = None
        for batch in watcher.fetch_bodies(uids):
            prepared = self._prepare(service, batch)
            if pending is not None:
                count += self._apply_batch(service, watcher, account, uidvalidity, pending,
                                           progress)
            pending = prepared
        if pending is not None:
            count += self._apply_batch(service, watcher, account, uidvalidity, pending,
                                       progress)
        return count

    def _prepare(self, service: Service, batch: list[Fetched]) -> _Prepared:
        """Triage on the headers; parse only the candidates."""
        bots = (service.settings.bot.address,)
        sellers = tuple(service.settings.seller.addresses)
        raws = [normalize_eol(f.raw) for f in batch]
        relevant = [is_candidate(raw.split(b"\n\n", 1)[0] + b"\n\n", bots, sellers)
                    for raw in raws]
        wanted = [raw for raw, keep in zip(raws, relevant) if keep]
        return _Prepared(batch, raws, relevant, notices=self.parser.parse_all(service, wanted))

    def _apply_batch(self, service: Service, watcher: FolderWatcher, account: str,
                     uidvalidity: int, prepared: _Prepared,
                     progress: Callable[[int], None] | None) -> int:
        """One transaction, in UID order; filed away only once committed."""
        store = service.store
        notices = iter(prepared.notices)
        count = 0
        with store.transaction():
            for fetched, raw, keep in zip(prepared.batch, prepared.raws, prepared.relevant):
                origin = Origin(account, watcher.folder, fetched.uidvalidity, fetched.uid)
                if keep:
                    self.stats.count(service.apply(raw, next(notices), origin))
                    count += 1
                elif not store.seen_uid(account, watcher.folder, uidvalidity, fetched.uid):
                    self._skip(service, origin, raw)
        failpoints.reach("after_commit")
        if progress is not None:
            progress(len(prepared.batch))
        file_away(watcher, account, [f.uid for f in prepared.batch], store)
        return count

    def _skip(self, service: Service, origin: Origin, raw: bytes) -> None:
        """Triaged out on its headers: recorded as ignored, never parsed."""
        header = raw.split(b"\n\n", 1)[0]
        message_id = _HEADERS.parsebytes(header + b"\n\n").get("Message-ID")
        service.record_skipped(origin, str(message_id).strip() if message_id else None,
                               body_hash(raw), "triage: headers show no Amazon or seller mail")
        self.stats.count("ignored")
