"""Threads around the single writer.

IMAP watchers (one per account/folder) and the scheduler only put work on a queue; one worker
thread owns the database connection and processes mail, reminders and the outbox in order.
"""

from __future__ import annotations

import fcntl
import logging
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from datetime import date
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path
from typing import Any

from imapclient.exceptions import LoginError

from bot.flows import failpoints
from bot.edges.clock import Clock
from bot.edges.config import ImapSettings, Settings
from bot.core.triage import is_candidate
from bot.core.domain import Kind, Notice
from bot.edges import systemd
from bot.edges.intake import SmtpIntake
from bot.edges.mailbox import Fetched, FolderWatcher, ImapAccount, backoff_delays
from bot.edges.metrics import MetricsServer
from bot.edges.oauth import OAuthError, token_source_for
from bot.edges.scheduler import WakeScheduler
from bot.edges.store import Store
from bot.edges.workers import OverBudget, WorkerPool
from bot.app.service import Origin, Service, body_hash, normalize_eol

log = logging.getLogger("sellerbot.daemon")


_HEADERS = BytesHeaderParser(policy=compat32)


#: What a parse worker runs (bot.edges.workers names it, it does not import the core).
PARSE_TARGET = "bot.core.parse:parse_message"


def _bounded(result: Notice | OverBudget) -> Notice:
    """A mail that exceeded its parse budget is quarantined as too_complex, with the reason."""
    if isinstance(result, OverBudget):
        return Notice(kind=Kind.UNRECOGNIZED, error=f"too_complex: {result.reason}")
    return result


@dataclass
class _Prepared:
    """A fetched batch, triaged, with its parse running (futures) or done (notices)."""

    batch: list[Fetched]
    raws: list[bytes]
    relevant: list[bool]
    futures: list[Future[list[Notice]]] | None = None
    notices: list[Notice] = field(default_factory=list)


class AlreadyRunning(Exception):
    pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _holders(path: Path) -> list[int]:
    """Other processes (that we may inspect) with this file open, from /proc."""
    try:
        target = os.stat(path)
    except OSError:
        return []
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        pid = int(entry.name)
        if pid == os.getpid():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                try:
                    st = os.stat(fd)
                except OSError:
                    continue
                if (st.st_dev, st.st_ino) == (target.st_dev, target.st_ino):
                    found.append(pid)
                    break
        except OSError:  # gone, or not ours to look at
            continue
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(
            errors="replace").strip()
    except OSError:
        return ""


def _is_sellerbot(cmdline: str) -> bool:
    """A sellerbot process (the CLI, `python -m bot`, a parse worker), not e.g. an editor that
    has the lock file open: only those are ended when reclaiming."""
    argv = cmdline.split()
    if not argv:
        return False
    exe = Path(argv[0]).name
    return exe == "sellerbot" or (exe.startswith("python") and "bot" in cmdline)


class InstanceLock:
    """An flock beside the database: a second daemon on the same data is refused.

    The file records the daemon's pid. A lock held while that daemon is gone (a process that
    inherited the descriptor from an older sellerbot, e.g. a forked worker left behind by a
    kill -9) is reclaimed: the leftover is ended, with a log line. Its descriptor is
    close-on-exec and parse workers are exec'd, so this sellerbot's children never hold it."""

    def __init__(self, db_path: str) -> None:
        self.path = Path(f"{db_path}.lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self._reclaim(fd)
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def _reclaim(self, fd: int) -> None:
        """Held: by a live daemon (refuse), or by leftovers of a dead one (end them)."""
        text = os.pread(fd, 32, 0).decode(errors="replace").strip()
        owner = int(text) if text.isdigit() else None
        holders = _holders(self.path)
        if owner is not None and (owner == os.getpid() or
                                  (_alive(owner) and owner in holders)):
            raise AlreadyRunning(f"another sellerbot is running on {self.path.with_suffix('')}"
                                 f" (pid {owner})")
        leftovers = [(pid, _cmdline(pid)) for pid in holders]
        strangers = [(pid, cmd) for pid, cmd in leftovers if not _is_sellerbot(cmd)]
        if strangers or not leftovers:
            raise AlreadyRunning(
                f"the lock {self.path} is held by " + (", ".join(
                    f"pid {pid} ({cmd or '?'})" for pid, cmd in strangers) or
                    "a process this user cannot see") + "; not a sellerbot daemon, not ended")
        for pid, cmd in leftovers:
            log.warning("reclaiming %s: sellerbot %s is gone, its leftover process %d (%s) "
                        "still holds the lock; ending it", self.path,
                        owner if owner is not None else "?", pid, cmd[:120])
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10.0
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise AlreadyRunning(f"the lock {self.path} is still held after ending "
                                         "the leftover processes") from None
                time.sleep(0.05)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def imap_account(imap: ImapSettings) -> ImapAccount:
    token = token_source_for(imap)  # XOAUTH2 (Gmail, Microsoft 365) instead of a password
    return ImapAccount(name=f"{imap.username}@{imap.host}", host=imap.host, port=imap.port,
                       security=imap.security, username=imap.username,
                       password="" if token else (imap.resolve_password("imap") or ""),
                       timeout=imap.timeout_seconds, token=token,
                       move_processed_to=imap.move_processed_to,
                       quarantine_folder=imap.quarantine_folder)


@dataclass
class Stats:
    processed: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    def count(self, status: str) -> None:
        self.processed += 1
        self.by_status[status] = self.by_status.get(status, 0) + 1


class Daemon:
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
        self.last_sync_ok: float | None = None
        self._threads: list[threading.Thread] = []
        self._scheduler: WakeScheduler | None = None
        self._intake: SmtpIntake | None = None
        self._metrics: MetricsServer | None = None
        self.store: Store | None = None
        self.service: Service | None = None
        self.ready = threading.Event()
        self._refetch: set[tuple[str, str, int]] = set()  # UIDs to fetch again
        self._refetch_lock = threading.Lock()
        self._started = time.monotonic()
        self._intake_alerted = False
        self._last_intake_error = ""
        self._auth_broken = ""  # a revoked OAuth sign-in: alert now, waiting will not heal it
        self._intake_lock = threading.Lock()  # watchers and the scheduler both check intake
        self._reload_requested = threading.Event()
        self._reload_with: Any = None
        self._waiting: set[str] = set()
        self._processed = threading.Condition()
        self._pool: WorkerPool | None = None
        self._pool_broken = False

    # -- shared -------------------------------------------------------------------------
    def _open(self) -> Service:
        self.lock.acquire()
        self.store = Store(self.db_path)
        self.service = Service(self.settings, self.store, self.clock,
                               dry_run_dir=self.dry_run_dir)
        self.service.recover_inflight()
        return self.service

    def _parse_all(self, service: Service, raws: list[bytes]) -> list[Notice]:
        """Parse on every core, each mail within `bot.parse_budget_seconds` of wall time
        (enforced outside the parser: a worker past it is killed). If workers cannot be
        started at all, parse here (still under the HTML caps) and say so."""
        if not raws:
            return []
        if not self._pool_broken:
            if self._pool is None:
                self._pool = WorkerPool(PARSE_TARGET, os.cpu_count() or 1,
                                        self.settings.bot.parse_budget_seconds)
            try:
                return [_bounded(r) for r in self._pool.map(raws, service.parse_options())]
            except OSError as exc:
                self._pool_broken = True
                log.error("cannot start parse workers (%s): parsing in the daemon, without a "
                          "time budget", exc)
        return [service.parse(raw) for raw in raws]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        if self.store is not None:
            self.store.close()
            self.store = None
        self.lock.release()

    def _sync_folder(self, service: Service, watcher: FolderWatcher, account: str,
                     pool: Executor | None = None) -> int:
        """Bulk sync: triage on headers, fetch candidate bodies in batches, parse them on
        every core, apply in order. Progress is saved with each message."""
        assert self.store is not None
        uidvalidity = watcher.open()
        state = self.store.sync_state(account, watcher.folder)
        after = state["last_uid"] if state and state["uidvalidity"] == uidvalidity else 0
        uids = watcher.new_uids(after)
        if not uids:
            # An empty first sync still starts the history: later mail is news, not backfill.
            self.store.save_sync_state(account, watcher.folder, uidvalidity, after,
                                       self.clock.now())
            return 0
        service.backfill = state is None  # first sync of this folder: history, not news
        # History (first sync) gets one summary above 10 cases; a later catch-up (after a
        # restart or an outage) is news: each case gets its own notice, the thread its
        # reply acts on, however many there are.
        service.hold_notices = state is None
        try:
            return self._sync_uids(service, watcher, account, uids, uidvalidity, pool)
        finally:
            service.backfill = service.hold_notices = False
            service.flush_notices()

    def _sync_uids(self, service: Service, watcher: FolderWatcher, account: str,
                   uids: list[int], uidvalidity: int, pool: Executor | None,
                   progress: Callable[[int], None] | None = None) -> int:
        """Pipeline: while batch N is applied (one transaction, in UID order), batch N+1 is
        already fetched, triaged on its headers and being parsed on the other cores."""
        count = 0
        pending: _Prepared | None = None
        for batch in watcher.fetch_bodies(uids):
            prepared = self._prepare(service, batch, pool)
            if pending is not None:
                count += self._apply_batch(service, watcher, account, uidvalidity, pending,
                                           progress)
            pending = prepared
        if pending is not None:
            count += self._apply_batch(service, watcher, account, uidvalidity, pending,
                                       progress)
        return count

    def _prepare(self, service: Service, batch: list[Fetched], pool: Executor | None
                 ) -> _Prepared:
        bots = (self.settings.bot.address,)
        sellers = tuple(self.settings.seller.addresses)
        raws = [normalize_eol(f.raw) for f in batch]
        relevant = [is_candidate(raw.split(b"\n\n", 1)[0] + b"\n\n", bots, sellers)
                    for raw in raws]
        wanted = [raw for raw, keep in zip(raws, relevant) if keep]
        return _Prepared(batch, raws, relevant, notices=self._parse_all(service, wanted))

    def _apply_batch(self, service: Service, watcher: FolderWatcher, account: str,
                     uidvalidity: int, prepared: _Prepared,
                     progress: Callable[[int], None] | None) -> int:
        assert self.store is not None
        notices = iter(prepared.notices if prepared.futures is None else
                       [n for f in prepared.futures for n in f.result()])
        count = 0
        with self.store.transaction():
            for fetched, raw, keep in zip(prepared.batch, prepared.raws, prepared.relevant):
                origin = Origin(account, watcher.folder, fetched.uidvalidity, fetched.uid)
                if keep:
                    self.stats.count(service.apply(raw, next(notices), origin))
                    count += 1
                elif not self.store.seen_uid(account, watcher.folder, uidvalidity,
                                             fetched.uid):
                    self._skip(service, origin, raw)
        failpoints.reach("after_commit")
        if progress is not None:
            progress(len(prepared.batch))
        self._file_away(watcher, account, [f.uid for f in prepared.batch])
        return count

    def _file_away(self, watcher: FolderWatcher, account: str, uids: list[int],
                   store: Store | None = None) -> None:
        """Optional: move processed mail to `move_processed_to`, quarantined mail to
        `quarantine_folder`. Only after the commit, so a crash never moves unprocessed mail."""
        imap = watcher.account
        if not (imap.move_processed_to or imap.quarantine_folder) \
                or watcher.uidvalidity is None:
            return
        store = store or self.store
        if store is None:
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

    def _skip(self, service: Service, origin: Origin, raw: bytes) -> None:
        """Triaged out on its headers: recorded as ignored, never parsed."""
        header = raw.split(b"\n\n", 1)[0]
        message_id = _HEADERS.parsebytes(header + b"\n\n").get("Message-ID")
        service.record_skipped(origin, str(message_id).strip() if message_id else None,
                               body_hash(raw), "triage: headers show no Amazon or seller mail")
        self.stats.count("ignored")

    # -- --once -------------------------------------------------------------------------
    def run_once(self) -> Stats:
        """Sync every folder, process, send what is due, exit (cron, benchmarks)."""
        service = self._open()
        try:
            self._catch_up(service, raise_errors=True)
            service.tick()
        finally:
            self.close()
        return self.stats

    def _catch_up(self, service: Service, raise_errors: bool) -> None:
        """Bulk-sync every folder (triage, batches, all cores) before the IDLE loop starts."""
        mailboxes = self.settings.mailboxes()
        if not mailboxes:
            return
        # Parsing goes to the daemon's bounded workers (_parse_all), not a forked pool.
        for imap in mailboxes:
            account = imap_account(imap)
            for folder in imap.folders:
                watcher = FolderWatcher(account, folder, batch_size=imap.batch_size)
                try:
                    self._sync_folder(service, watcher, account.name, None)
                except Exception as exc:
                    if raise_errors:
                        raise
                    log.warning("catch-up of %s/%s failed (%s); the watcher will retry",
                                account.host, folder, exc)
                finally:
                    watcher.close()

    def backfill(self, since: date, progress: Callable[[str, int, int], None] | None = None
                 ) -> Stats:
        """Rebuild case state from notifications received since `since`: nothing is sent
        for a step whose deadline is already past, open cases are summarized in one mail."""
        service = self._open()
        try:
            if not self.settings.mailboxes():
                raise RuntimeError("backfill needs an [imap] section")
            for imap, folder in ((m, f) for m in self.settings.mailboxes() for f in m.folders):
                account = imap_account(imap)
                watcher = FolderWatcher(account, folder, batch_size=imap.batch_size)
                try:
                    uidvalidity = watcher.open()
                    found = watcher.uids_since(since)
                    done = self.store.statuses(account.name, folder, uidvalidity, found) \
                        if self.store else {}
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
                        self._sync_uids(service, watcher, account.name, todo, uidvalidity,
                                        None, step)
                    finally:
                        service.backfill = service.hold_notices = False
                        service.flush_notices()
                finally:
                    watcher.close()
            service.tick()
        finally:
            self.close()
        return self.stats

    # -- daemon -------------------------------------------------------------------------
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
        account = imap_account(imap)
        delays = backoff_delays()
        high_water: dict[int, int] = {}
        submitted: list[int] = []
        reader = Store(self.db_path, readonly=True)
        while not self.stop_event.is_set():
            imap = self._current(imap)  # SIGHUP: a new password or OAuth setting applies here
            account = imap_account(imap)
            watcher = FolderWatcher(account, folder, batch_size=imap.batch_size, idle=imap.idle,
                                    idle_renew=imap.idle_renew_seconds, poll=imap.poll_seconds)
            try:
                uidvalidity = watcher.open()
                log.info("watching %s/%s (UIDVALIDITY %s)", account.host, folder, uidvalidity)
                if reader.sync_state(account.name, folder) is None:
                    # The start-up catch-up did not reach this folder (server down then):
                    # its history must go through the bulk path (backfill, one summary), not
                    # through here as if every old mail were news.
                    self.queue.put(("catch_up", (imap, folder)))
                    while reader.sync_state(account.name, folder) is None:
                        if self.stop_event.wait(1.0):
                            return
                while not self.stop_event.is_set():
                    state = reader.sync_state(account.name, folder)
                    after = state["last_uid"] if state and state["uidvalidity"] == uidvalidity \
                        else 0
                    after = max(after, high_water.get(uidvalidity, 0))
                    if submitted:
                        recorded = reader.statuses(account.name, folder, uidvalidity, submitted)
                        self._file_away(watcher, account.name, list(recorded), reader)
                        submitted = [u for u in submitted if u not in recorded]
                    with self._refetch_lock:
                        again = sorted(u for a, f, u in self._refetch
                                       if a == account.name and f == folder)
                        self._refetch -= {(account.name, folder, u) for u in again}
                    for batch in watcher.fetch_bodies(again):
                        for fetched in batch:
                            self.submit(fetched.raw, Origin(account.name, folder,
                                                            fetched.uidvalidity, fetched.uid))
                    for fetched in watcher.fetch_new(after):
                        self.submit(fetched.raw, Origin(account.name, folder,
                                                        fetched.uidvalidity, fetched.uid))
                        high_water[uidvalidity] = fetched.uid
                        submitted.append(fetched.uid)
                    self.last_sync_ok = time.monotonic()
                    self._auth_broken = ""
                    self.queue.put(("synced", (account.name, folder)))
                    self._mark_ready(f"{account.name}/{folder}")
                    delays = backoff_delays()
                    watcher.wait(self.stop_event, imap.idle_renew_seconds)
            except Exception as exc:  # noqa: BLE001 - any failure means reconnect
                delay = next(delays)
                if isinstance(exc, LoginError) or (isinstance(exc, OAuthError)
                                                   and exc.permanent):
                    # A wrong password will not heal in seconds, and hammering a provider's
                    # login gets accounts locked: wait minutes (the seller is alerted).
                    delay = max(delay, 300.0)
                log.warning("IMAP %s/%s: %s: %s; reconnecting in %.1fs", account.host, folder,
                            type(exc).__name__, exc, delay)
                self._last_intake_error = f"{account.host}/{folder}: {type(exc).__name__}: {exc}"
                if isinstance(exc, OAuthError) and exc.permanent:
                    self._auth_broken = self._last_intake_error
                    self._check_intake()
                self.stop_event.wait(delay)
            finally:
                watcher.close()
        reader.close()

    def start(self) -> None:
        """Open the store, catch up with the mailbox, start the watchers and the scheduler."""
        service = self._open()
        self._catch_up(service, raise_errors=False)
        if self.settings.metrics.enabled:
            m = self.settings.metrics
            self._metrics = MetricsServer(self.db_path, m.host, m.port,
                                          now_fn=self.clock.now).start()
        self._waiting = {f"{imap_account(m).name}/{f}" for m in self.settings.mailboxes()
                         for f in m.folders}
        for imap in self.settings.mailboxes():
            for folder in imap.folders:
                thread = threading.Thread(target=self._watch, args=(imap, folder),
                                          name=f"imap-{imap.host}-{folder}", daemon=True)
                thread.start()
                self._threads.append(thread)
        if not self._waiting:
            self.ready.set()
        if self.settings.intake is not None:
            intake = self.settings.intake
            host, _, port = intake.listen.rpartition(":")
            self._intake = SmtpIntake(lambda raw: self.submit(raw, Origin(source="smtp")),
                                      host=host, port=int(port), max_bytes=intake.max_bytes,
                                      allowed_clients=tuple(intake.allowed_clients))
            self._intake.start()
            log.info("SMTP intake listening on %s", intake.listen)
        self._scheduler = WakeScheduler(self.wake)
        if self.settings.mailboxes():
            self._scheduler.every(60, self._check_intake)
        interval = systemd.watchdog_interval()
        if interval:
            self._scheduler.every(interval, self._watchdog)
        self._scheduler.start()
        self.wake()  # due reminders go out at once after downtime
        systemd.notify("READY=1\nSTATUS=watching the mailbox")

    def _current(self, imap: ImapSettings) -> ImapSettings:
        """The running configuration's version of this mailbox (same host and user)."""
        return next((m for m in self.settings.mailboxes()
                     if (m.host, m.username) == (imap.host, imap.username)), imap)

    def _mark_ready(self, key: str) -> None:
        """Ready once every watched folder has completed a first sync."""
        self._waiting.discard(key)
        if not self._waiting:
            self.ready.set()

    def _check_intake(self) -> None:
        """No successful sync for `watchdog_minutes`: tell the seller once per outage, by
        mail (SMTP is another route than the failing IMAP), and again when it is back."""
        limit = self.settings.bot.watchdog_minutes * 60
        if self.last_sync_ok is None:
            age = time.monotonic() - self._started
        else:
            age = time.monotonic() - self.last_sync_ok
        down = age >= limit or bool(self._auth_broken)
        with self._intake_lock:
            if down and not self._intake_alerted:
                self._intake_alerted = True
                self.queue.put(("intake_down", (int(age // 60), self._last_intake_error)))
            elif not down and self._intake_alerted:
                self._intake_alerted = False
                log.info("IMAP intake works again")

    def _watchdog(self) -> None:
        """Feed systemd only while intake works: a stuck IMAP loop gets the unit restarted."""
        if not self.settings.mailboxes() or self.last_sync_ok is None:
            systemd.notify("WATCHDOG=1")
            return
        age = time.monotonic() - self.last_sync_ok
        if age < self.settings.bot.watchdog_minutes * 60:
            systemd.notify("WATCHDOG=1")
        else:
            systemd.notify(f"STATUS=no successful IMAP sync for {int(age // 60)} min")
            log.error("no successful IMAP sync for %d min; not feeding the watchdog", age // 60)

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
                if kind == "barrier":
                    item.set()
                    continue
                if kind == "intake_down":
                    service.alert_intake_down(*item)
                    service.execute_outbox()
                    continue
                if kind == "catch_up":
                    imap, folder = item
                    account = imap_account(imap)
                    watcher = FolderWatcher(account, folder, batch_size=imap.batch_size)
                    try:
                        self._sync_folder(service, watcher, account.name, None)
                        service.tick()
                    except Exception as exc:  # noqa: BLE001 - the watcher asks again
                        log.warning("catch-up of %s/%s failed: %s", account.host, folder, exc)
                        self.stop_event.wait(5.0)
                        self.queue.put(("catch_up", item))
                    finally:
                        watcher.close()
                    continue
                if kind == "synced":  # a healthy quiet mailbox is still a fresh sync
                    assert self.store is not None
                    self.store.touch_sync(*item, self.clock.now())
                    continue
                if kind == "mail":
                    raw, origin = item
                    status = service.ingest(
                        raw, origin, parse=lambda r, s=service: self._parse_all(s, [r])[0])
                    with self._processed:
                        self.stats.count(status)
                        self._processed.notify_all()
                service.tick()
                if self._scheduler is not None:
                    assert self.store is not None
                    # Only the next due time: the store holds the rest, the sweep is the net.
                    wakeup = service.next_wakeup()
                    self._scheduler.wake_in(None if wakeup is None else
                                            (wakeup - self.clock.now()).total_seconds())
            except Exception as exc:  # noqa: BLE001 - the loop must go on
                log.exception("worker error on %s", kind)
                if kind == "mail":
                    self._quarantine_failed(service, item, exc)
            finally:
                self.queue.task_done()

    def _quarantine_failed(self, service: Service, item: Any, exc: Exception) -> None:
        raw, origin = item
        try:
            service.quarantine_failed(raw, origin, f"{type(exc).__name__}: {exc}")
        except Exception:  # noqa: BLE001 - still not recorded: the next sync fetches it again
            log.exception("could not quarantine the failed message; it will be fetched again")
            if origin.uid is not None:
                with self._refetch_lock:
                    self._refetch.add((origin.account, origin.folder, origin.uid))

    def stop(self) -> None:
        systemd.notify("STOPPING=1")
        self.stop_event.set()
        if self._intake is not None:
            self._intake.stop()
            self._intake = None
        if self._scheduler is not None:
            self._scheduler.stop()
        for thread in self._threads:
            thread.join(timeout=5)
        if self._metrics is not None:
            self._metrics.stop()
            self._metrics = None

    def run_forever(self) -> None:
        self.start()
        try:
            self.serve()
        finally:
            self.stop()
            self.close()
