"""Reminders that are due: one per case even after downtime, or one missed-deadline notice.

The store is the source of truth; a reminder re-reads its case and does nothing for a case
that no longer needs the seller.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime
from typing import Any

from bot.core.decide import due_reminder_plan
from bot.core.state import is_open
from bot.edges.store import parse_iso
from bot.runtime import Runtime

log = logging.getLogger("sellerbot")


class ReminderFlow(Runtime):
    """Due reminder rows -> reminder or missed-deadline mails."""

    def send_due_reminders(self) -> int:
        now = self.clock.now()
        by_case: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in self.store.due_reminders(now):
            by_case[row["case_id"]].append(row)
        sent = 0
        for case_id, rows in by_case.items():
            with self.store.transaction():
                sent += self._remind(case_id, rows, now)
        return sent

    def _remind(self, case_id: int, rows: list[dict[str, Any]], now: datetime) -> int:
        case = self.store.case(case_id)
        if case is None or not is_open(case["state"]):
            for r in rows:
                self.store.set_reminder_status(r["id"], "cancelled", now)
            return 0
        snoozed = parse_iso(case.get("snoozed_until"))
        if snoozed and now < snoozed:
            for r in rows:
                self.store.set_reminder_status(r["id"], "snoozed", now)
            return 0
        deadline = parse_iso(case["deadline"])
        plan, latest = due_reminder_plan(deadline, rows, now)
        if plan == "missed":
            for r in rows:
                self.store.set_reminder_status(r["id"], "merged", now)
            self.store.cancel_reminders(case_id, now)
            self._email_seller(case, "missed", now, effect_key=f"missed:{case['ref']}:"
                               f"{case['deadline']}", to=self._recipients(with_backup=True))
            self.store.add_event(case_id, now, "deadline_missed", source_message_id=None,
                                 from_state=case["state"], to_state=None,
                                 reason="deadline passed without a decision")
            return 1
        assert latest is not None
        for r in rows:
            self.store.set_reminder_status(r["id"], "sent" if r is latest else "merged", now)
        remaining = [r for r in self.store.reminders(case_id)
                     if r["status"] == "pending" and r["kind"] != "deadline"]
        last = not remaining
        self._email_seller(case, "reminder", now,
                           effect_key=f"reminder:{case['ref']}:{latest['seq']}",
                           to=self._recipients(with_backup=last), extra={"last": last})
        return 1

