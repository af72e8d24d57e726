"""SQLite state through sqlite-utils: the source of truth for messages, cases, reminders, outbox.

Migrations are an ordered list applied once each (recorded in `_migrations`). Every public
method is a thin query; business rules live in `bot.core`. Times are stored as ISO 8601 UTC
strings so they sort as text.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlite_utils


def iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        raise ValueError("naive datetime reached the store")
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds")


def parse_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def private_file(path: str | Path) -> None:
    """Create `path` empty with mode 0600 if it does not exist yet, whatever the umask: it
    will hold buyer mails, addresses and order data. SQLite gives the -wal and -shm files the
    database file's mode, so they are 0600 too. An existing file is left as it is (doctor
    and check-config warn when it is readable by others)."""
    if str(path) == ":memory:" or str(path).startswith("file:"):
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.fchmod(fd, 0o600)  # O_CREAT's mode is masked by the umask; this is not
    os.close(fd)


def exposed_mode(path: str | Path) -> int | None:
    """The permission bits of an existing file when group or others may read or write it."""
    try:
        mode = os.stat(path).st_mode & 0o777
    except OSError:
        return None
    return mode if mode & 0o077 else None


def _m001_initial(db: sqlite_utils.Database) -> None:
    db["sync_state"].create({"account": str, "folder": str, "uidvalidity": int,
                             "last_uid": int, "last_sync_at": str},
                            pk=("account", "folder"))
    db["messages"].create({
        "id": int, "source": str, "account": str, "folder": str, "uidvalidity": int,
        "uid": int, "message_id": str, "body_hash": str, "kind": str, "case_id": int,
        "status": str, "reason": str, "subject": str, "processed_at": str,
    }, pk="id")
    db["messages"].create_index(["account", "folder", "uidvalidity", "uid"], unique=True)
    db["messages"].create_index(["message_id"])
    db["messages"].create_index(["body_hash"])
    db["quarantine"].create({"id": int, "message_row": int, "reason": str, "raw": bytes,
                             "created_at": str, "alerted": int}, pk="id")
    db["cases"].create({
        "id": int, "ref": str, "kind": str, "state": str, "marketplace": str,
        "language": str, "order_id": str, "return_request_id": str, "claim_id": str,
        "buyer_alias": str, "opened_at": str, "deadline": str, "deadline_soft": str,
        "updated_at": str, "linked_case_id": int, "uncertain": int, "snoozed_until": str,
        "data": str,
    }, pk="id", defaults={"uncertain": 0, "data": "{}"})
    db["cases"].create_index(["ref"], unique=True)
    db["cases"].create_index(["order_id"])
    db["cases"].create_index(["state", "deadline"])
    db["events"].create({"id": int, "case_id": int, "at": str, "kind": str,
                         "source_message_id": str, "from_state": str, "to_state": str,
                         "reason": str, "data": str}, pk="id")
    db["events"].create_index(["case_id"])
    db["reminders"].create({"id": int, "case_id": int, "due_at": str, "kind": str,
                            "seq": int, "status": str, "sent_at": str}, pk="id")
    db["reminders"].create_index(["status", "due_at"])
    db["reminders"].create_index(["case_id", "kind", "seq"], unique=True)
    db["outbox"].create({
        "id": int, "case_id": int, "kind": str, "effect_key": str, "message_id": str,
        "payload": str, "status": str, "attempts": int, "next_attempt_at": str,
        "last_error": str, "response": str, "created_at": str, "done_at": str,
    }, pk="id", defaults={"attempts": 0})
    db["outbox"].create_index(["effect_key"], unique=True)
    db["outbox"].create_index(["status", "next_attempt_at"])
    db["counters"].create({"name": str, "value": int}, pk="name")
    db["orders"].create({"order_id": str, "marketplace": str, "data": str,
                         "updated_at": str}, pk="order_id")


def _m002_digests(db: sqlite_utils.Database) -> None:
    """The numbering each daily digest showed: `AUTORISER 1 3` in a reply to a digest
    refers to that digest's numbers (found by the reply's In-Reply-To/References)."""
    db["digests"].create({"message_id": str, "local_date": str, "created_at": str,
                          "numbering": str}, pk="message_id")
    db["digests"].create_index(["local_date"], unique=True)


#: Shared with doctor and the metrics endpoint, which read the file with their own connection.
SELLER_MAIL_DOWN_SINCE_SQL = (
    "select max(w.at, coalesce(d.at, '')) from "
    "(select min(created_at) as at from outbox where kind = 'email' and status = 'retrying' "
    "and attempts > 0 and json_extract(payload, '$.on_sent') is null) as w, "
    "(select max(done_at) as at from outbox where kind = 'email' and status = 'done') as d "
    "where w.at is not null")


def _m003_open_by_urgency(db: sqlite_utils.Database) -> None:
    """`sellerbot status` and the digest read open cases most urgent first: a covering
    partial index in that order answers them without a sort or a table lookup."""
    from bot.core.domain import OPEN_STATES_SQL
    db.execute("create index if not exists idx_cases_open_urgency on cases("
               "deadline is null, deadline, ref, kind, state, order_id, marketplace) "
               f"where state in ({OPEN_STATES_SQL})")


MIGRATIONS: list[tuple[str, Callable[[sqlite_utils.Database], None]]] = [
    ("001_initial", _m001_initial),
    ("002_digests", _m002_digests),
    ("003_open_by_urgency", _m003_open_by_urgency),
]


class Store:
    """One connection, used by the single writer. Readers open their own `Store`."""

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = str(path)
        if not readonly:
            private_file(self.path)
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None,
                               check_same_thread=False)
        self.db = sqlite_utils.Database(conn)
        self.conn = conn
        conn.execute("PRAGMA busy_timeout = 30000")
        if self.path != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        if not readonly:
            self.migrate()

    def close(self) -> None:
        self.conn.close()

    # -- schema ---------------------------------------------------------------------------
    def migrate(self) -> list[str]:
        applied: list[str] = []
        with self.transaction():
            if "_migrations" not in self.db.table_names():
                self.db["_migrations"].create({"name": str, "applied_at": str}, pk="name")
            done = {row["name"] for row in self.db["_migrations"].rows}
            for name, func in MIGRATIONS:
                if name not in done:
                    func(self.db)
                    self.db.execute("insert into _migrations(name, applied_at) "
                                    "values (?, datetime('now'))", [name])
                    applied.append(name)
        return applied

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT: a decision and its outbox rows land together or not at all."""
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- intake progress ------------------------------------------------------------------
    def sync_state(self, account: str, folder: str) -> dict[str, Any] | None:
        rows = list(self.db["sync_state"].rows_where("account = ? and folder = ?",
                                                     [account, folder]))
        return rows[0] if rows else None

    def save_sync_state(self, account: str, folder: str, uidvalidity: int, last_uid: int,
                        now: datetime) -> None:
        self.db.execute(
            "insert into sync_state(account, folder, uidvalidity, last_uid, last_sync_at) "
            "values (?, ?, ?, ?, ?) on conflict(account, folder) do update set "
            "uidvalidity = excluded.uidvalidity, "
            "last_uid = max(case when sync_state.uidvalidity = excluded.uidvalidity "
            "then sync_state.last_uid else 0 end, excluded.last_uid), "
            "last_sync_at = excluded.last_sync_at",
            [account, folder, uidvalidity, last_uid, iso(now)])

    def touch_sync(self, account: str, folder: str, now: datetime) -> None:
        self.db.execute("update sync_state set last_sync_at = ? where account = ? and folder = ?",
                        [iso(now), account, folder])

    def seen_uid(self, account: str, folder: str, uidvalidity: int, uid: int) -> bool:
        return self.db.execute(
            "select 1 from messages where account = ? and folder = ? and uidvalidity = ? "
            "and uid = ?", [account, folder, uidvalidity, uid]).fetchone() is not None

    def statuses(self, account: str, folder: str, uidvalidity: int,
                 uids: list[int]) -> dict[int, str]:
        """Processing status of these UIDs (those not yet processed are absent)."""
        if not uids:
            return {}
        marks = ",".join("?" * len(uids))
        rows = self.db.execute(
            f"select uid, status from messages where account = ? and folder = ? and "
            f"uidvalidity = ? and uid in ({marks})", [account, folder, uidvalidity, *uids])
        return {uid: status for uid, status in rows.fetchall()}

    def seen_content(self, message_id: str | None, body_hash: str) -> dict[str, Any] | None:
        """A message already processed under another UID (UIDVALIDITY reset, Gmail labels)."""
        if message_id:
            row = self.db.execute(
                "select id, status, case_id from messages where message_id = ? and body_hash = ? "
                "and status != 'duplicate' limit 1", [message_id, body_hash]).fetchone()
        else:
            row = self.db.execute(
                "select id, status, case_id from messages where body_hash = ? "
                "and status != 'duplicate' limit 1", [body_hash]).fetchone()
        return {"id": row[0], "status": row[1], "case_id": row[2]} if row else None

    def record_message(self, **row: Any) -> int:
        return self._insert("messages", row)

    def _insert(self, table: str, row: dict[str, Any]) -> int:
        """Plain INSERT: the hot path of a sync (sqlite-utils' insert re-reads the schema)."""
        cols = list(row)
        cur = self.conn.execute(
            f"insert into {table} ({', '.join(cols)}) values ({', '.join('?' * len(cols))})",
            [row[c] for c in cols])
        return int(cur.lastrowid or 0)

    def message_case_ref(self, message_id: str | None) -> str:
        row = self.conn.execute(
            "select c.ref from messages m join cases c on c.id = m.case_id "
            "where m.message_id = ? order by m.id desc limit 1", [message_id]).fetchone()
        return row[0] if row else "-"

    def set_message_status(self, message_row: int, status: str, reason: str) -> None:
        self.db.execute("update messages set status = ?, reason = ? where id = ?",
                        [status, reason, message_row])

    def set_message_case(self, message_row: int, case_id: int) -> None:
        self.db.execute("update messages set case_id = ? where id = ?", [case_id, message_row])

    def quarantine(self, message_row: int, reason: str, raw: bytes, now: datetime) -> int:
        return self._insert("quarantine", {"message_row": message_row, "reason": reason,
                                           "raw": raw, "created_at": iso(now), "alerted": 0})

    # -- cases ----------------------------------------------------------------------------
    def next_ref(self, prefix: str, year: int) -> str:
        name = f"{prefix}-{year}"
        self.db.execute("insert into counters(name, value) values (?, 1) on conflict(name) "
                        "do update set value = value + 1", [name])
        value = self.db.execute("select value from counters where name = ?", [name]).fetchone()[0]
        return f"{name}-{value:04d}"

    def insert_case(self, row: dict[str, Any]) -> dict[str, Any]:
        row = {**row, "data": json.dumps(row.get("data") or {}, ensure_ascii=False)}
        case_id = self._insert("cases", row)
        return self.case(case_id)  # type: ignore[return-value]

    def update_case(self, case_id: int, **changes: Any) -> None:
        if "data" in changes:
            changes["data"] = json.dumps(changes["data"], ensure_ascii=False)
        cols = list(changes)
        self.conn.execute(f"update cases set {', '.join(f'{c} = ?' for c in cols)} "
                          "where id = ?", [*(changes[c] for c in cols), case_id])

    @staticmethod
    def _case_row(row: dict[str, Any]) -> dict[str, Any]:
        row = dict(row)
        row["data"] = json.loads(row.get("data") or "{}")
        return row

    def _select_cases(self, where: str, args: list[Any], order_by: str = "id",
                      limit: int | None = None) -> list[dict[str, Any]]:
        cur = self.conn.execute(f"select * from cases where {where} order by {order_by}"
                                + (f" limit {int(limit)}" if limit else ""), args)
        cols = [c[0] for c in cur.description]
        return [self._case_row(dict(zip(cols, r))) for r in cur.fetchall()]

    def case(self, case_id: int) -> dict[str, Any] | None:
        rows = self._select_cases("id = ?", [case_id])
        return rows[0] if rows else None

    def case_by_ref(self, ref: str) -> dict[str, Any] | None:
        rows = self._select_cases("ref = ?", [ref.upper()])
        return rows[0] if rows else None

    def cases_where(self, where: str, args: list[Any], order_by: str = "id",
                    limit: int | None = None) -> list[dict[str, Any]]:
        return self._select_cases(where, args, order_by, limit)

    def add_event(self, case_id: int, at: datetime, kind: str, *, source_message_id: str | None,
                  from_state: str | None, to_state: str | None, reason: str,
                  data: dict[str, Any] | None = None) -> None:
        self.conn.execute(
            "insert into events (case_id, at, kind, source_message_id, from_state, to_state, "
            "reason, data) values (?, ?, ?, ?, ?, ?, ?, ?)",
            [case_id, iso(at), kind, source_message_id, from_state, to_state, reason,
             json.dumps(data or {}, ensure_ascii=False, default=str) if data else "{}"])

    def events(self, case_id: int) -> list[dict[str, Any]]:
        return list(self.db["events"].rows_where("case_id = ?", [case_id], order_by="id"))

    # -- reminders ------------------------------------------------------------------------
    def add_reminder(self, case_id: int, due_at: datetime, kind: str, seq: int) -> None:
        self.db.execute("insert or ignore into reminders(case_id, due_at, kind, seq, status) "
                        "values (?, ?, ?, ?, 'pending')", [case_id, iso(due_at), kind, seq])

    def due_reminders(self, now: datetime) -> list[dict[str, Any]]:
        return list(self.db["reminders"].rows_where("status = 'pending' and due_at <= ?",
                                                    [iso(now)], order_by="due_at"))

    def next_reminder_at(self) -> datetime | None:
        row = self.db.execute("select min(due_at) from reminders where status = 'pending'"
                              ).fetchone()
        return parse_iso(row[0]) if row and row[0] else None

    def set_reminder_status(self, reminder_id: int, status: str, now: datetime) -> None:
        self.conn.execute("update reminders set status = ?, sent_at = ? where id = ?",
                          [status, iso(now), reminder_id])

    def cancel_reminders(self, case_id: int, now: datetime) -> int:
        cur = self.db.execute("update reminders set status = 'cancelled', sent_at = ? "
                              "where case_id = ? and status = 'pending'", [iso(now), case_id])
        return cur.rowcount

    def reminders(self, case_id: int) -> list[dict[str, Any]]:
        return list(self.db["reminders"].rows_where("case_id = ?", [case_id], order_by="due_at"))

    # -- catch-up after downtime: set-wise, streamed, never one Python object per case ----
    _DUE = "select case_id from reminders where status = 'pending' and due_at <= :now"

    def due_case_count(self, now: datetime, open_states_sql: str) -> int:
        """Open, unsnoozed cases with at least one reminder due: decides per-case vs summary."""
        return int(self.conn.execute(
            f"select count(*) from cases where id in ({self._DUE}) and state in "
            f"({open_states_sql}) and (snoozed_until is null or snoozed_until <= :now)",
            {"now": iso(now)}).fetchone()[0])

    def settle_unneeded_due(self, now: datetime, open_states_sql: str) -> None:
        """Due reminders of settled cases are cancelled, of snoozed cases marked snoozed."""
        args = {"now": iso(now)}
        self.conn.execute(
            "update reminders set status = 'cancelled', sent_at = :now where status = "
            "'pending' and due_at <= :now and case_id in (select id from cases where state "
            f"not in ({open_states_sql}))", args)
        self.conn.execute(
            "update reminders set status = 'snoozed', sent_at = :now where status = "
            "'pending' and due_at <= :now and case_id in (select id from cases where "
            "snoozed_until > :now)", args)

    def due_cases_by_urgency(self, now: datetime) -> Iterator[tuple[Any, ...]]:
        """(ref, kind, state, order_id, marketplace, deadline) of the cases with a due
        reminder, most overdue first then by deadline: a cursor, read row by row."""
        return iter(self.conn.execute(
            "select ref, kind, state, order_id, marketplace, deadline from cases "
            f"where id in ({self._DUE}) order by deadline is null, deadline, ref",
            {"now": iso(now)}))

    def due_case_overdue(self, now: datetime) -> int:
        return int(self.conn.execute(
            f"select count(*) from cases where id in ({self._DUE}) and deadline <= :now",
            {"now": iso(now)}).fetchone()[0])

    def close_due_after_catch_up(self, now: datetime, reason: str) -> None:
        """After the summary: a case whose deadline passed gets its deadline_missed event
        and no more reminders; the others' due reminders are merged, later ones stay armed."""
        args = {"now": iso(now), "reason": reason}
        missed = f"select id from cases where id in ({self._DUE}) and deadline <= :now"
        self.conn.execute(
            "insert into events (case_id, at, kind, source_message_id, from_state, to_state, "
            "reason, data) select id, :now, 'deadline_missed', null, state, null, :reason, "
            f"'{{}}' from cases where id in ({missed})", args)
        self.conn.execute(
            "update reminders set status = case when due_at <= :now then 'merged' else "
            "'cancelled' end, sent_at = :now where status = 'pending' and case_id in "
            f"({missed})", args)
        self.conn.execute("update reminders set status = 'merged', sent_at = :now where "
                          "status = 'pending' and due_at <= :now", args)

    # -- outbox ---------------------------------------------------------------------------
    def enqueue(self, *, kind: str, effect_key: str, payload: dict[str, Any], now: datetime,
                case_id: int | None = None, message_id: str | None = None,
                status: str = "pending") -> int | None:
        """Add an effect once: the same effect_key twice is a no-op (returns None)."""
        cur = self.db.execute(
            "insert or ignore into outbox(case_id, kind, effect_key, message_id, payload, "
            "status, attempts, next_attempt_at, created_at) values (?, ?, ?, ?, ?, ?, "
            "0, ?, ?)", [case_id, kind, effect_key, message_id,
                         json.dumps(payload, ensure_ascii=False), status, iso(now), iso(now)])
        return cur.lastrowid if cur.rowcount else None

    def ready_effects(self, now: datetime, limit: int = 100) -> list[dict[str, Any]]:
        rows = self.db["outbox"].rows_where(
            "status in ('pending', 'retrying') and next_attempt_at <= ?", [iso(now)],
            order_by="id", limit=limit)
        return [{**r, "payload": json.loads(r["payload"])} for r in rows]

    def effects(self, statuses: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
        if statuses:
            marks = ",".join("?" * len(statuses))
            rows = self.db["outbox"].rows_where(f"status in ({marks})", list(statuses),
                                                order_by="id")
        else:
            rows = self.db["outbox"].rows_where(order_by="id")
        return [{**r, "payload": json.loads(r["payload"])} for r in rows]

    def mark_effect(self, effect_id: int, status: str, now: datetime, *,
                    error: str | None = None, response: dict[str, Any] | None = None,
                    next_attempt_at: datetime | None = None, attempt: bool = False) -> None:
        changes: dict[str, Any] = {"status": status}
        if error is not None:
            changes["last_error"] = error[:1000]
        if response is not None:
            changes["response"] = json.dumps(response, ensure_ascii=False)
        if next_attempt_at is not None:
            changes["next_attempt_at"] = iso(next_attempt_at)
        if status in ("done", "failed", "uncertain"):
            changes["done_at"] = iso(now)
        self.db["outbox"].update(effect_id, changes)
        if attempt:
            self.db.execute("update outbox set attempts = attempts + 1 where id = ?", [effect_id])

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
        return int(self.db.execute(sql, args).fetchone()[0])

    def active_link(self, case_id: int, role: str) -> bool:
        """A request for this case's link is queued, running or done (not failed/uncertain)."""
        return self.db.execute(
            "select 1 from outbox where kind = 'http' and case_id = ? and "
            "json_extract(payload, '$.role') = ? and "
            "status in ('pending', 'retrying', 'inflight', 'done') limit 1",
            [case_id, role]).fetchone() is not None

    def effects_for_reply(self, in_reply_to: str) -> list[dict[str, Any]]:
        """The link requests one seller reply asked for (answered together, once)."""
        rows = self.db.execute(
            "select * from outbox where kind = 'http' and "
            "json_extract(payload, '$.reply.in_reply_to') = ? order by id", [in_reply_to])
        cols = [c[0] for c in rows.description]
        return [{**dict(zip(cols, r)), "payload": json.loads(r[cols.index("payload")])}
                for r in rows.fetchall()]

    def set_effect_payload(self, effect_key: str, payload: dict[str, Any]) -> None:
        self.db.execute("update outbox set payload = ? where effect_key = ?",
                        [json.dumps(payload, ensure_ascii=False), effect_key])

    def buyer_effects_for_reply(self, in_reply_to: str) -> list[dict[str, Any]]:
        """The buyer mails one seller reply queued (its answer waits for all of them)."""
        rows = self.db.execute(
            "select * from outbox where kind = 'email' and "
            "json_extract(payload, '$.on_sent.reply.in_reply_to') = ? order by id",
            [in_reply_to])
        cols = [c[0] for c in rows.description]
        return [{**dict(zip(cols, r)), "payload": json.loads(r[cols.index("payload")])}
                for r in rows.fetchall()]

    def inflight_effects(self) -> list[dict[str, Any]]:
        return self.effects(("inflight",))

    def seller_mail(self, statuses: tuple[str, ...]) -> list[dict[str, Any]]:
        """Mails to the seller (not buyer answers, which carry `on_sent`) in these statuses."""
        return [e for e in self.effects(statuses)
                if e["kind"] == "email" and not e["payload"].get("on_sent")]

    def rearm(self, effect_ids: list[int], now: datetime) -> None:
        """Due now, as `retrying` (a failed row keeps its history in last_error)."""
        for effect_id in effect_ids:
            self.conn.execute("update outbox set status = 'retrying', next_attempt_at = ?, "
                              "done_at = null where id = ?", [iso(now), effect_id])

    def seller_mail_down_since(self) -> datetime | None:
        """Since when no mail reached the seller while one waits for a retry: the later of
        the oldest waiting mail's creation and the last mail that got through."""
        row = self.conn.execute(SELLER_MAIL_DOWN_SINCE_SQL).fetchone()
        return parse_iso(row[0]) if row and row[0] else None

    # -- digests --------------------------------------------------------------------------
    def save_digest(self, message_id: str, local_date: str, numbering: dict[int, str],
                    now: datetime) -> None:
        self.db.execute("insert or ignore into digests(message_id, local_date, created_at, "
                        "numbering) values (?, ?, ?, ?)",
                        [message_id, local_date, iso(now),  # no second dict of 100,000 keys
                         "{" + ",".join(f'"{k}":{json.dumps(v)}' for k, v in numbering.items())
                         + "}"])

    def digest_numbering(self, message_ids: list[str]) -> dict[int, str] | None:
        """{number: case ref} of the digest one of `message_ids` names (a reply's
        In-Reply-To, then References), or None when the reply answers no digest."""
        for mid in message_ids:
            row = self.db.execute("select numbering from digests where message_id = ?",
                                  [mid]).fetchone()
            if row:
                return {int(k): v for k, v in json.loads(row[0]).items()}
        return None

    # -- orders ---------------------------------------------------------------------------
    def upsert_order(self, order_id: str, marketplace: str | None, data: dict[str, Any],
                     now: datetime) -> bool:
        """Merge order facts; returns True when something changed."""
        rows = list(self.db["orders"].rows_where("order_id = ?", [order_id]))
        old = json.loads(rows[0]["data"]) if rows else {}
        merged = {**old, **{k: v for k, v in data.items() if v not in (None, "")}}
        if rows and merged == old and (not marketplace or marketplace == rows[0]["marketplace"]):
            return False
        if rows and not marketplace:
            marketplace = rows[0]["marketplace"]
        self.db["orders"].upsert({"order_id": order_id, "marketplace": marketplace,
                                  "data": json.dumps(merged, ensure_ascii=False, default=str),
                                  "updated_at": iso(now)}, pk="order_id")
        return True

    def order(self, order_id: str) -> dict[str, Any] | None:
        rows = list(self.db["orders"].rows_where("order_id = ?", [order_id]))
        return {**rows[0], "data": json.loads(rows[0]["data"])} if rows else None
