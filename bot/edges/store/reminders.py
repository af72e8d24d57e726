"""Reminders, one by one and set-wise: the catch-up after downtime never loads one per case."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import sqlite_utils

from .rows import iso, parse_iso

#: Cases with a pending reminder due at :now (a subquery; the catch-up works on this set).
_DUE = "select case_id from reminders where status = 'pending' and due_at <= :now"


class Reminders:
    """The `reminders` table; a reminder is (case, kind, seq), armed once."""

    def __init__(self, conn: sqlite3.Connection, db: sqlite_utils.Database) -> None:
        self._conn = conn
        self._db = db

    def add_reminder(self, case_id: int, due_at: datetime, kind: str, seq: int) -> None:
        self._conn.execute("insert or ignore into reminders(case_id, due_at, kind, seq, status) "
                           "values (?, ?, ?, ?, 'pending')", [case_id, iso(due_at), kind, seq])

    def due_reminders(self, now: datetime) -> list[dict[str, Any]]:
        return list(self._db["reminders"].rows_where("status = 'pending' and due_at <= ?",
                                                     [iso(now)], order_by="due_at"))

    def next_reminder_at(self) -> datetime | None:
        row = self._conn.execute("select min(due_at) from reminders where status = 'pending'"
                                 ).fetchone()
        return parse_iso(row[0]) if row and row[0] else None

    def set_reminder_status(self, reminder_id: int, status: str, now: datetime) -> None:
        self._conn.execute("update reminders set status = ?, sent_at = ? where id = ?",
                           [status, iso(now), reminder_id])

    def cancel_reminders(self, case_id: int, now: datetime) -> int:
        cur = self._conn.execute("update reminders set status = 'cancelled', sent_at = ? "
                                 "where case_id = ? and status = 'pending'", [iso(now), case_id])
        return cur.rowcount

    def reminders(self, case_id: int) -> list[dict[str, Any]]:
        return list(self._db["reminders"].rows_where("case_id = ?", [case_id],
                                                     order_by="due_at"))

    # -- catch-up after downtime: set-wise, streamed, never one Python object per case ----
    def due_case_count(self, now: datetime, open_states_sql: str) -> int:
        """Open, unsnoozed cases with at least one reminder due: decides per-case vs summary."""
        return int(self._conn.execute(
            f"select count(*) from cases where id in ({_DUE}) and state in "
            f"({open_states_sql}) and (snoozed_until is null or snoozed_until <= :now)",
            {"now": iso(now)}).fetchone()[0])

    def settle_unneeded_due(self, now: datetime, open_states_sql: str) -> None:
        """Due reminders of settled cases are cancelled, of snoozed cases marked snoozed."""
        args = {"now": iso(now)}
        self._conn.execute(
            "update reminders set status = 'cancelled', sent_at = :now where status = "
            "'pending' and due_at <= :now and case_id in (select id from cases where state "
            f"not in ({open_states_sql}))", args)
        self._conn.execute(
            "update reminders set status = 'snoozed', sent_at = :now where status = "
            "'pending' and due_at <= :now and case_id in (select id from cases where "
            "snoozed_until > :now)", args)

    def due_cases_by_urgency(self, now: datetime) -> Iterator[tuple[Any, ...]]:
        """(ref, kind, state, order_id, marketplace, deadline) of the cases with a due
        reminder, most overdue first then by deadline: a cursor, read row by row."""
        return iter(self._conn.execute(
            "select ref, kind, state, order_id, marketplace, deadline from cases "
            f"where id in ({_DUE}) order by deadline is null, deadline, ref",
            {"now": iso(now)}))

    def due_case_overdue(self, now: datetime) -> int:
        return int(self._conn.execute(
            f"select count(*) from cases where id in ({_DUE}) and deadline <= :now",
            {"now": iso(now)}).fetchone()[0])

    def close_due_after_catch_up(self, now: datetime, reason: str) -> None:
        """After the summary: a case whose deadline passed gets its deadline_missed event
        and no more reminders; the others' due reminders are merged, later ones stay armed."""
        args = {"now": iso(now), "reason": reason}
        missed = f"select id from cases where id in ({_DUE}) and deadline <= :now"
        self._conn.execute(
            "insert into events (case_id, at, kind, source_message_id, from_state, to_state, "
            "reason, data) select id, :now, 'deadline_missed', null, state, null, :reason, "
            f"'{{}}' from cases where id in ({missed})", args)
        self._conn.execute(
            "update reminders set status = case when due_at <= :now then 'merged' else "
            "'cancelled' end, sent_at = :now where status = 'pending' and case_id in "
            f"({missed})", args)
        self._conn.execute("update reminders set status = 'merged', sent_at = :now where "
                           "status = 'pending' and due_at <= :now", args)
