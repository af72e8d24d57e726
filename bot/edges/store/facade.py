"""The Store callers use: one connection, and each query handed to the part owning its table."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from .cases import Cases
from .connection import open_connection, transaction
from .digests import Digests
from .messages import Messages
from .orders import Orders
from .outbox import Outbox
from .reminders import Reminders
from .schema import migrate


class Store:
    """One connection, used by the single writer. Readers open their own `Store`.

    The parts share nothing but this connection; each owns its tables' queries, and the
    methods below keep the one flat API the flows and the app call."""

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = str(path)
        self.conn = open_connection(self.path, readonly=readonly)
        self.db = sqlite_utils.Database(self.conn)
        self._messages = Messages(self.conn, self.db)
        self._cases = Cases(self.conn, self.db)
        self._reminders = Reminders(self.conn, self.db)
        self._outbox = Outbox(self.conn, self.db)
        self._digests = Digests(self.conn)
        self._orders = Orders(self.db)
        if not readonly:
            self.migrate()

    def close(self) -> None:
        self.conn.close()

    def migrate(self) -> list[str]:
        return migrate(self.db)

    def transaction(self) -> AbstractContextManager[None]:
        """BEGIN IMMEDIATE … COMMIT: a decision and its outbox rows land together, or none."""
        return transaction(self.conn)

    # -- intake progress and messages (messages.py) ----------------------------------------
    def sync_state(self, account: str, folder: str) -> dict[str, Any] | None:
        return self._messages.sync_state(account, folder)

    def save_sync_state(self, account: str, folder: str, uidvalidity: int, last_uid: int,
                        now: datetime) -> None:
        self._messages.save_sync_state(account, folder, uidvalidity, last_uid, now)

    def touch_sync(self, account: str, folder: str, now: datetime) -> None:
        self._messages.touch_sync(account, folder, now)

    def seen_uid(self, account: str, folder: str, uidvalidity: int, uid: int) -> bool:
        return self._messages.seen_uid(account, folder, uidvalidity, uid)

    def statuses(self, account: str, folder: str, uidvalidity: int,
                 uids: list[int]) -> dict[int, str]:
        return self._messages.statuses(account, folder, uidvalidity, uids)

    def seen_content(self, message_id: str | None, body_hash: str) -> dict[str, Any] | None:
        return self._messages.seen_content(message_id, body_hash)

    def record_message(self, **row: Any) -> int:
        return self._messages.record_message(row)

    def message_case_ref(self, message_id: str | None) -> str:
        return self._messages.message_case_ref(message_id)

    def set_message_status(self, message_row: int, status: str, reason: str) -> None:
        self._messages.set_message_status(message_row, status, reason)

    def set_message_case(self, message_row: int, case_id: int) -> None:
        self._messages.set_message_case(message_row, case_id)

    def quarantine(self, message_row: int, reason: str, raw: bytes, now: datetime) -> int:
        return self._messages.quarantine(message_row, reason, raw, now)

    # -- cases and events (cases.py) -------------------------------------------------------
    def next_ref(self, prefix: str, year: int) -> str:
        return self._cases.next_ref(prefix, year)

    def insert_case(self, row: dict[str, Any]) -> dict[str, Any]:
        return self._cases.insert_case(row)

    def update_case(self, case_id: int, **changes: Any) -> None:
        self._cases.update_case(case_id, changes)

    def case(self, case_id: int) -> dict[str, Any] | None:
        return self._cases.case(case_id)

    def case_by_ref(self, ref: str) -> dict[str, Any] | None:
        return self._cases.case_by_ref(ref)

    def cases_where(self, where: str, args: list[Any], order_by: str = "id",
                    limit: int | None = None) -> list[dict[str, Any]]:
        return self._cases.cases_where(where, args, order_by, limit)

    def add_event(self, case_id: int, at: datetime, kind: str, *, source_message_id: str | None,
                  from_state: str | None, to_state: str | None, reason: str,
                  data: dict[str, Any] | None = None) -> None:
        self._cases.add_event(case_id, at, kind, source_message_id=source_message_id,
                              from_state=from_state, to_state=to_state, reason=reason,
                              data=data)

    def events(self, case_id: int) -> list[dict[str, Any]]:
        return self._cases.events(case_id)

    # -- reminders and the catch-up after downtime (reminders.py) --------------------------
    def add_reminder(self, case_id: int, due_at: datetime, kind: str, seq: int) -> None:
        self._reminders.add_reminder(case_id, due_at, kind, seq)

    def due_reminders(self, now: datetime) -> list[dict[str, Any]]:
        return self._reminders.due_reminders(now)

    def next_reminder_at(self) -> datetime | None:
        return self._reminders.next_reminder_at()

    def set_reminder_status(self, reminder_id: int, status: str, now: datetime) -> None:
        self._reminders.set_reminder_status(reminder_id, status, now)

    def cancel_reminders(self, case_id: int, now: datetime) -> int:
        return self._reminders.cancel_reminders(case_id, now)

    def reminders(self, case_id: int) -> list[dict[str, Any]]:
        return self._reminders.reminders(case_id)

    def due_case_count(self, now: datetime, open_states_sql: str) -> int:
        return self._reminders.due_case_count(now, open_states_sql)

    def settle_unneeded_due(self, now: datetime, open_states_sql: str) -> None:
        self._reminders.settle_unneeded_due(now, open_states_sql)

    def due_cases_by_urgency(self, now: datetime) -> Iterator[tuple[Any, ...]]:
        return self._reminders.due_cases_by_urgency(now)

    def due_case_overdue(self, now: datetime) -> int:
        return self._reminders.due_case_overdue(now)

    def close_due_after_catch_up(self, now: datetime, reason: str) -> None:
        self._reminders.close_due_after_catch_up(now, reason)

    # -- outbox (outbox.py) ----------------------------------------------------------------
    def enqueue(self, *, kind: str, effect_key: str, payload: dict[str, Any], now: datetime,
                case_id: int | None = None, message_id: str | None = None,
                status: str = "pending") -> int | None:
        """Add an effect once: the same effect_key twice is a no-op (returns None)."""
        return self._outbox.enqueue(kind=kind, effect_key=effect_key, payload=payload, now=now,
                                    case_id=case_id, message_id=message_id, status=status)

    def ready_effects(self, now: datetime, limit: int = 100) -> list[dict[str, Any]]:
        return self._outbox.ready_effects(now, limit)

    def effects(self, statuses: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
        return self._outbox.effects(statuses)

    def mark_effect(self, effect_id: int, status: str, now: datetime, *,
                    error: str | None = None, response: dict[str, Any] | None = None,
                    next_attempt_at: datetime | None = None, attempt: bool = False) -> None:
        self._outbox.mark_effect(effect_id, status, now, error=error, response=response,
                                 next_attempt_at=next_attempt_at, attempt=attempt)

    def count_replies_since(self, to_addr: str, since: datetime,
                            case_id: int | None | bool = False) -> int:
        return self._outbox.count_replies_since(to_addr, since, case_id)

    def active_link(self, case_id: int, role: str) -> bool:
        return self._outbox.active_link(case_id, role)

    def effects_for_reply(self, in_reply_to: str) -> list[dict[str, Any]]:
        return self._outbox.effects_for_reply(in_reply_to)

    def set_effect_payload(self, effect_key: str, payload: dict[str, Any]) -> None:
        self._outbox.set_effect_payload(effect_key, payload)

    def buyer_effects_for_reply(self, in_reply_to: str) -> list[dict[str, Any]]:
        return self._outbox.buyer_effects_for_reply(in_reply_to)

    def inflight_effects(self) -> list[dict[str, Any]]:
        return self._outbox.inflight_effects()

    def seller_mail(self, statuses: tuple[str, ...]) -> list[dict[str, Any]]:
        return self._outbox.seller_mail(statuses)

    def rearm(self, effect_ids: list[int], now: datetime) -> None:
        self._outbox.rearm(effect_ids, now)

    def seller_mail_down_since(self) -> datetime | None:
        return self._outbox.seller_mail_down_since()

    # -- digests and orders (digests.py, orders.py) ----------------------------------------
    def save_digest(self, message_id: str, local_date: str, numbering: dict[int, str],
                    now: datetime) -> None:
        self._digests.save_digest(message_id, local_date, numbering, now)

    def digest_numbering(self, message_ids: list[str]) -> dict[int, str] | None:
        return self._digests.digest_numbering(message_ids)

    def upsert_order(self, order_id: str, marketplace: str | None, data: dict[str, Any],
                     now: datetime) -> bool:
        return self._orders.upsert_order(order_id, marketplace, data, now)

    def order(self, order_id: str) -> dict[str, Any] | None:
        return self._orders.order(order_id)
