"""Cases and their history: the `cases` and `events` tables, and the per-year ref counters."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

import sqlite_utils

from .rows import dict_rows, insert_row, iso


class Cases:
    """A case row comes back with its `data` column decoded from JSON."""

    def __init__(self, conn: sqlite3.Connection, db: sqlite_utils.Database) -> None:
        self._conn = conn
        self._db = db

    def next_ref(self, prefix: str, year: int) -> str:
        """R-2026-0001, R-2026-0002, …: one counter per prefix and year."""
        name = f"{prefix}-{year}"
        self._conn.execute("insert into counters(name, value) values (?, 1) on conflict(name) "
                           "do update set value = value + 1", [name])
        value = self._conn.execute("select value from counters where name = ?",
                                   [name]).fetchone()[0]
        return f"{name}-{value:04d}"

    def insert_case(self, row: dict[str, Any]) -> dict[str, Any]:
        row = {**row, "data": json.dumps(row.get("data") or {}, ensure_ascii=False)}
        case_id = insert_row(self._conn, "cases", row)
        return self.case(case_id)  # type: ignore[return-value]

    def update_case(self, case_id: int, changes: dict[str, Any]) -> None:
        if "data" in changes:
            changes["data"] = json.dumps(changes["data"], ensure_ascii=False)
        cols = list(changes)
        self._conn.execute(f"update cases set {', '.join(f'{c} = ?' for c in cols)} "
                           "where id = ?", [*(changes[c] for c in cols), case_id])

    def case(self, case_id: int) -> dict[str, Any] | None:
        rows = self.cases_where("id = ?", [case_id])
        return rows[0] if rows else None

    def case_by_ref(self, ref: str) -> dict[str, Any] | None:
        rows = self.cases_where("ref = ?", [ref.upper()])
        return rows[0] if rows else None

    def cases_where(self, where: str, args: list[Any], order_by: str = "id",
                    limit: int | None = None) -> list[dict[str, Any]]:
        cur = self._conn.execute(f"select * from cases where {where} order by {order_by}"
                                 + (f" limit {int(limit)}" if limit else ""), args)
        rows = dict_rows(cur)
        for row in rows:
            row["data"] = json.loads(row.get("data") or "{}")
        return rows

    def add_event(self, case_id: int, at: datetime, kind: str, *, source_message_id: str | None,
                  from_state: str | None, to_state: str | None, reason: str,
                  data: dict[str, Any] | None = None) -> None:
        self._conn.execute(
            "insert into events (case_id, at, kind, source_message_id, from_state, to_state, "
            "reason, data) values (?, ?, ?, ?, ?, ?, ?, ?)",
            [case_id, iso(at), kind, source_message_id, from_state, to_state, reason,
             json.dumps(data or {}, ensure_ascii=False, default=str) if data else "{}"])

    def events(self, case_id: int) -> list[dict[str, Any]]:
        return list(self._db["events"].rows_where("case_id = ?", [case_id], order_by="id"))
