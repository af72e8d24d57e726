"""How values cross into SQLite and back: ISO 8601 UTC times, plain INSERTs, rows as dicts."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from typing import Any


def iso(dt: datetime | None) -> str | None:
    """UTC, to the second: stored times sort as text."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        raise ValueError("naive datetime reached the store")
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds")


def parse_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def insert_row(conn: sqlite3.Connection, table: str, row: dict[str, Any]) -> int:
    """Plain INSERT: the hot path of a sync (sqlite-utils' insert re-reads the schema)."""
    cols = list(row)
    cur = conn.execute(
        f"insert into {table} ({', '.join(cols)}) values ({', '.join('?' * len(cols))})",
        [row[c] for c in cols])
    return int(cur.lastrowid or 0)


def dict_rows(cur: sqlite3.Cursor) -> list[dict[str, Any]]:
    """Every row of `cur` as {column: value}."""
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]
