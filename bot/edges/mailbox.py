"""IMAP intake with imapclient: UID sync under UIDVALIDITY, BODY.PEEK[], IDLE or polling.

This adapter knows nothing of Amazon: it yields (uidvalidity, uid, raw bytes) above a
high-water mark and waits for news. Progress is stored by the caller after processing, so a
crash re-fetches at most what was not yet committed, and the store dedupes it.
"""

from __future__ import annotations

import logging
import random
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

import imapclient
from imapclient.exceptions import IMAPClientError

log = logging.getLogger("sellerbot.imap")


@dataclass(frozen=True)
class ImapAccount:
    name: str
    host: str
    port: int
    security: str  # ssl | starttls | none
    username: str
    password: str = field(repr=False)
    timeout: float = 60.0
    move_processed_to: str | None = None  # where processed mail goes (None: left in place)
    quarantine_folder: str | None = None
    #: XOAUTH2 instead of the password: returns a fresh access token (bot.edges.oauth.TokenSource)
    token: Callable[[], str] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Fetched:
    uidvalidity: int
    uid: int
    raw: bytes


def connect(account: ImapAccount) -> imapclient.IMAPClient:
    context = ssl.create_default_context()
    client = imapclient.IMAPClient(account.host, port=account.port,
                                   ssl=account.security == "ssl",
                                   ssl_context=context if account.security == "ssl" else None,
                                   timeout=account.timeout)
    if account.security == "starttls":
        client.starttls(context)
    if account.token is not None:
        client.oauth2_login(account.username, account.token())
    else:
        client.login(account.username, account.password)
    return client


class FolderWatcher:
    """One connection per folder: fetch above the high-water mark, then IDLE (or poll)."""

    def __init__(self, account: ImapAccount, folder: str, *, batch_size: int = 200,
                 idle: bool = True, idle_renew: float = 1500, poll: float = 60) -> None:
        self.account = account
        self.folder = folder
        self.batch_size = batch_size
        self.use_idle = idle
        self.idle_renew = idle_renew
        self.poll = poll
        self.client: imapclient.IMAPClient | None = None
        self.uidvalidity: int | None = None

    def open(self) -> int:
        self.close()
        self.client = connect(self.account)
        # EXAMINE: read-only is all intake needs (BODY.PEEK[] never sets \\Seen), and
        # Dovecot pushes IDLE news to a read-only session sooner.
        info = self.client.select_folder(self.folder, readonly=True)
        self.uidvalidity = int(info[b"UIDVALIDITY"])
        if self.use_idle and b"IDLE" not in self.client.capabilities():
            log.info("%s has no IDLE: polling every %ss", self.account.host, self.poll)
            self.use_idle = False
        return self.uidvalidity

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.logout()
            except (IMAPClientError, OSError):
                pass
            self.client = None

    def fetch_new(self, after_uid: int) -> Iterator[Fetched]:
        """Messages with UID > after_uid, oldest first, in batches, without setting \\Seen."""
        assert self.client is not None and self.uidvalidity is not None
        uids = sorted(u for u in self.client.search(["UID", f"{after_uid + 1}:*"])
                      if u > after_uid)
        for start in range(0, len(uids), self.batch_size):
            chunk = uids[start:start + self.batch_size]
            data = self.client.fetch(chunk, ["BODY.PEEK[]"])
            for uid in chunk:
                raw = data.get(uid, {}).get(b"BODY[]")
                if raw is not None:
                    yield Fetched(self.uidvalidity, uid, bytes(raw))

    def new_uids(self, after_uid: int) -> list[int]:
        assert self.client is not None
        return sorted(u for u in self.client.search(["UID", f"{after_uid + 1}:*"])
                      if u > after_uid)

    def uids_since(self, since: date) -> list[int]:
        """UIDs of messages received on or after `since` (IMAP SEARCH SINCE, by day)."""
        assert self.client is not None
        return sorted(self.client.search(["SINCE", since]))

    def fetch_bodies(self, uids: list[int]) -> Iterator[list[Fetched]]:
        """Full messages (BODY.PEEK[]: \\Seen untouched), one batch at a time."""
        assert self.client is not None and self.uidvalidity is not None
        for start in range(0, len(uids), self.batch_size):
            chunk = uids[start:start + self.batch_size]
            data = self.client.fetch(chunk, ["BODY.PEEK[]"])
            yield [Fetched(self.uidvalidity, uid, bytes(data[uid][b"BODY[]"]))
                   for uid in chunk if b"BODY[]" in data.get(uid, {})]

    def move(self, uids: list[int], folder: str) -> None:
        """Move processed mail out of the way (only when the seller asked for it)."""
        assert self.client is not None
        if not uids:
            return
        if not self.client.folder_exists(folder):
            self.client.create_folder(folder)
        self.client.select_folder(self.folder, readonly=False)
        if self.client.has_capability("MOVE"):
            self.client.move(uids, folder)
        else:
            self.client.copy(uids, folder)
            self.client.delete_messages(uids)
            self.client.uid_expunge(uids) if self.client.has_capability("UIDPLUS") \
                else self.client.expunge()
        self.client.select_folder(self.folder, readonly=True)

    def wait(self, stop: threading.Event, max_wait: float) -> bool:
        """Block until the server reports news, `max_wait` elapses or `stop` is set.

        IDLE is checked in short slices so a stop request is honoured within a second, and
        renewed before `idle_renew` (servers drop IDLE after ~30 min).
        """
        assert self.client is not None
        budget = min(max_wait, self.idle_renew)
        if not self.use_idle:
            stop.wait(min(budget, self.poll))
            self.client.noop()
            return True
        self.client.idle()
        try:
            waited = 0.0
            while waited < budget and not stop.is_set():
                slice_ = min(1.0, budget - waited)
                responses = self.client.idle_check(timeout=slice_)
                waited += slice_
                if any(r[1] in (b"EXISTS", b"RECENT") for r in responses if len(r) > 1):
                    return True
            return False
        finally:
            self.client.idle_done()


def backoff_delays(base: float = 1.0, cap: float = 300.0) -> Iterator[float]:
    """Exponential backoff with full jitter for reconnects."""
    attempt = 0
    while True:
        yield random.uniform(0, min(cap, base * 2 ** attempt))
        attempt += 1


def append(account: ImapAccount, folder: str, raw: bytes,
           on_client: Callable[[imapclient.IMAPClient], None] | None = None) -> None:
    """Put a message into a folder (the demo's and tests' way of 'receiving' mail)."""
    client = connect(account)
    try:
        client.append(folder, raw)
        if on_client:
            on_client(client)
    finally:
        client.logout()
