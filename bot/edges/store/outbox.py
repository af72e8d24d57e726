"""The outbox: every effect (mail, link request) queued once by key, then sent and retried."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

import sqlite_utils

from .rows import dict_rows, iso, parse_iso

#: Shared with doctor and the metrics endpoint, which read the file with their own connection.
SELLER_MAIL_DOWN_SINCE_SQL = (
    "select max(w.at, coalesce(d.at, '')) from "
    "(select min(created_at) as at from outbox where kind = 'email' and status = 'retrying' "
    "and attempts > 0 and json_extract(payload, '$.on_sent') is null) as w, "
    "(select max(done_at) as at from outbox where kind = 'email' and status = 'done') as d "
    "where w.at is not null")


def _with_payload(rows: Any) -> list[dict[str, Any]]:
    """Outbox rows with their JSON `payload` decoded."""
    return [{**r, "payload": json.loads(r["payload"])} for r in rows]


class Outbox:
    """The `outbox` table. An effect's `effect_key` is unique: queuing it twice is a no-op."""

    def __init__(self, conn: sqlite3.Connection, db: sqlite_utils.Database) -> None:
        self._conn = conn
        self._db = db

    def enqueue(self, *, kind: str, effect_key: str, payload: dict[str, Any], now: datetime,
                case_id: int | None = None, message_id: str | None = None,
                status: str = "pending") -> int | None:
        """Add an effect once: the same effect_key twice is a no-op (returns None)."""
        cur = self._conn.execute(
            "insert or ignore into outbox(case_id, kind, effect_key, message_id, payload, "
            "status, attempts, next_attempt_at, created_at) values (?, ?, ?, ?, ?, ?, "
            "0, ?, ?)", [case_id, kind, effect_key, message_id,
                         json.dumps(payload, ensure_ascii=False), status, iso(now), iso(now)])
        return cur.lastrowid if cur.rowcount else None

    def ready_effects(self, now: datetime, limit: int = 100) -> list[dict[str, Any]]:
        return _with_payload(self._db["outbox"].rows_where(
            "status in ('pending', 'retrying') and next_attempt_at <= ?", [iso(now)],
            order_by="id", limit=limit))

    def effects(self, statuses: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
        if statuses:
            marks = ",".join("?" * len(statuses))
            rows = self._db["outbox"].rows_where(f"status in ({marks})", list(statuses),
                                                 order_by="id")
        else:
            rows = self._db["outbox"].rows_where(order_by="id")
        return _with_payload(rows)

    def mark_effect(self, effect_id: int, status: str, now: datetime, *,
                    error: str | None = None, response: dict[str, Any] | None = None,
                    next_attempt_at: datetime | None = None, attempt: bool = False) -> None:
        """A final status (done, failed, uncertain) also stamps done_at."""
        changes: dict[str, Any] = {"status": status}
        if error is not None:
            changes["last_error"] = error[:1000]
        if response is not None:
            changes["response"] = json.dumps(response, ensure_ascii=False)
        if next_attempt_at is not None:
            changes["next_attempt_at"] = iso(next_attempt_at)
        if status in ("done", "failed", "uncertain"):
            changes["done_at"] = iso(now)
        self._db["outbox"].update(effect_id, changes)
        if attempt:
            self._conn.execute("update outbox set attempts = attempts + 1 where id = ?",
                               [effect_id])

    def count_replies_since(self, to_addr: str, since: datetime,
                            case_id: int | None | bool = False) -> int:
        """Answers to seller replies sent to one address recently (loop breaker); with
        `case_id` (None: mail about no case), only those in that case's thread."""
        sql = ("select count(*) from outbox where kind = 'email' and created_at >= ? and "
               "(effect_key like 'result:%' or effect_key like 'refused:%') and payload like ?")
        args: list[Any] = [iso(since), f'%"to": ["{to_addr}"]%']
        if case_id is None:
            sql += " and case_id is null"
        elif case_id is not False:
            sql += " and case_id = ?"
            args.append(case_id)
        return int(self._conn.execute(sql, args).fetchone()[0])

    def active_link(self, case_id: int, role: str) -> bool:
        """A request for this case's link is queued, running or done (not failed/uncertain)."""
        return self._conn.execute(
            "select 1 from outbox where kind = 'http' and case_id = ? and "
            "json_extract(payload, '$.role') = ? and "
            "status in ('pending', 'retrying', 'inflight', 'done') limit 1",
            [case_id, role]).fetchone() is not None

    def effects_for_reply(self, in_reply_to: str) -> list[dict[str, Any]]:
        """The link requests one seller reply asked for (answered together, once)."""
        return _with_payload(dict_rows(self._conn.execute(
            "select * from outbox where kind = 'http' and "
            "json_extract(payload, '$.reply.in_reply_to') = ? order by id", [in_reply_to])))

    def buyer_effects_for_reply(self, in_reply_to: str) -> list[dict[str, Any]]:
        """The buyer mails one seller reply queued (its answer waits for all of them)."""
        return _with_payload(dict_rows(self._conn.execute(
            "select * from outbox where kind = 'email' and "
            "json_extract(payload, '$.on_sent.reply.in_reply_to') = ? order by id",
            [in_reply_to])))

    def set_effect_payload(self, effect_key: str, payload: dict[str, Any]) -> None:
        self._conn.execute("update outbox set payload = ? where effect_key = ?",
                           [json.dumps(payload, ensure_ascii=False), effect_key])

    def inflight_effects(self) -> list[dict[str, Any]]:
        return self.effects(("inflight",))

    def seller_mail(self, statuses: tuple[str, ...]) -> list[dict[str, Any]]:
        """Mails to the seller (not buyer answers, which carry `on_sent`) in these statuses."""
        return [e for e in self.effects(statuses)
                if e["kind"] == "email" and not e["payload"].get("on_sent")]

    def rearm(self, effect_ids: list[int], now: datetime) -> None:
        """Due now, as `retrying` (a failed row keeps its history in last_error)."""
        for effect_id in effect_ids:
            self._conn.execute("update outbox set status = 'retrying', next_attempt_at = ?, "
                               "done_at = null where id = ?", [iso(now), effect_id])

    def seller_mail_down_since(self) -> datetime | None:
        """Since when no mail reached the seller while one waits for a retry: the later of
        the oldest waiting mail's creation and the last mail that got through."""
        row = self._conn.execute(SELLER_MAIL_DOWN_SINCE_SQL).fetchone()
        return parse_iso(row[0]) if row and row[0] else None
