"""Intake progress and the mail seen: sync state per folder, message rows, quarantine."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

import sqlite_utils

from .rows import insert_row, iso


class Messages:
    """Tables `sync_state`, `messages` and `quarantine`: what was read, and what became of it."""

    def __init__(self, conn: sqlite3.Connection, db: sqlite_utils.Database) -> None:
        self._conn = conn
        self._db = db

    def sync_state(self, account: str, folder: str) -> dict[str, Any] | None:
        rows = list(self._db["sync_state"].rows_where("account = ? and folder = ?",
                                                      [account, folder]))
        return rows[0] if rows else None

    def save_sync_state(self, account: str, folder: str, uidvalidity: int, last_uid: int,
                        now: datetime) -> None:
        """A new UIDVALIDITY starts the folder over; otherwise last_uid never goes back."""
        self._conn.execute(
            "insert into sync_state(account, folder, uidvalidity, last_uid, last_sync_at) "
            "values (?, ?, ?, ?, ?) on conflict(account, folder) do update set "
            "uidvalidity = excluded.uidvalidity, "
            "last_uid = max(case when sync_state.uidvalidity = excluded.uidvalidity "
            "then sync_state.last_uid else 0 end, excluded.last_uid), "
            "last_sync_at = excluded.last_sync_at",
            [account, folder, uidvalidity, last_uid, iso(now)])

    def touch_sync(self, account: str, folder: str, now: datetime) -> None:
        self._conn.execute("update sync_state set last_sync_at = ? where account = ? and "
                           "folder = ?", [iso(now), account, folder])

    def seen_uid(self, account: str, folder: str, uidvalidity: int, uid: int) -> bool:
        return self._conn.execute(
            "select 1 from messages where account = ? and folder = ? and uidvalidity = ? "
            "and uid = ?", [account, folder, uidvalidity, uid]).fetchone() is not None

    def statuses(self, account: str, folder: str, uidvalidity: int,
                 uids: list[int]) -> dict[int, str]:
        """Processing status of these UIDs (those not yet processed are absent)."""
        if not uids:
            return {}
        marks = ",".join("?" * len(uids))
        rows = self._conn.execute(
            f"select uid, status from messages where account = ? and folder = ? and "
            f"uidvalidity = ? and uid in ({marks})", [account, folder, uidvalidity, *uids])
        return {uid: status for uid, status in rows.fetchall()}

    def seen_content(self, message_id: str | None, body_hash: str) -> dict[str, Any] | None:
        """A message already processed under another UID (UIDVALIDITY reset, Gmail labels)."""
        if message_id:
            row = self._conn.execute(
                "select id, status, case_id from messages where message_id = ? and body_hash = ? "
                "and status != 'duplicate' limit 1", [message_id, body_hash]).fetchone()
        else:
            row = self._conn.execute(
                "select id, status, case_id from messages where body_hash = ? "
                "and status != 'duplicate' limit 1", [body_hash]).fetchone()
        return {"id": row[0], "status": row[1], "case_id": row[2]} if row else None

    def record_message(self, row: dict[str, Any]) -> int:
        return insert_row(self._conn, "messages", row)

    def message_case_ref(self, message_id: str | None) -> str:
        """The ref of the case the latest message with this Message-ID went to, or '-'."""
        row = self._conn.execute(
            "select c.ref from messages m join cases c on c.id = m.case_id "
            "where m.message_id = ? order by m.id desc limit 1", [message_id]).fetchone()
        return row[0] if row else "-"

    def set_message_status(self, message_row: int, status: str, reason: str) -> None:
        self._conn.execute("update messages set status = ?, reason = ? where id = ?",
                           [status, reason, message_row])

    def set_message_case(self, message_row: int, case_id: int) -> None:
        self._conn.execute("update messages set case_id = ? where id = ?", [case_id, message_row])

    def quarantine(self, message_row: int, reason: str, raw: bytes, now: datetime) -> int:
        return insert_row(self._conn, "quarantine", {
            "message_row": message_row, "reason": reason, "raw": raw, "created_at": iso(now),
            "alerted": 0})
