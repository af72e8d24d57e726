"""Opening the SQLite file (WAL, busy timeout) and the one way to write: BEGIN IMMEDIATE."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from .files import private_file


def open_connection(path: str, *, readonly: bool) -> sqlite3.Connection:
    """Autocommit connection (transactions are explicit); a writer creates the file 0600.

    The store's parts run their SQL on it directly: in autocommit mode sqlite-utils'
    `Database.execute` adds nothing but a wrapper call, which the hot path of a sync skips.
    sqlite-utils stays for its table helpers (rows_where, update, upsert) and the schema."""
    if not readonly:
        private_file(path)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 30000")
    if path != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE … COMMIT: a decision and its outbox rows land together or not at all.
    Nested use joins the transaction already open."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
